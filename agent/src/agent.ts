// One guest agent: the datastore manager, its lifecycle and supervisor, the RPC service on
// hoard.agent.<id>.*, and heartbeats to the conductor. main.ts calls startAgent with the real
// engine; tests call it in-process with a fake manager.
//
// The server is brought back (when prepared and not stopped on request) before NATS is reached,
// so a host reboot restores service even while the control plane is still down. NATS is
// reconnected forever. close() leaves the database server running.
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { createLogger, type Logger } from "../../services/platform/logger.js";
import { serveOverNats } from "../../services/platform/nats-rpc.js";
import { agentWildcard } from "../../services/platform/subjects.js";
import type { AgentConfig } from "./config.js";
import type { DatastoreManagerFactory } from "./datastores/manager.js";
import { createScrubber } from "./errors.js";
import { createRequestScopeInterceptor, registerGuestAgentService } from "./handlers/index.js";
import { startHeartbeat } from "./heartbeat.js";
import { createIntentFile, type IntentStore } from "./intent-file.js";
import { createLifecycle, type Lifecycle } from "./lifecycle.js";
import { createWalArchiveFile, walTargetLoader } from "./wal-archive.js";
import { createWalShipper } from "./wal-shipper.js";

export interface AgentDeps {
  /** Builds the engine's manager; main.ts takes it from the datastore registry. */
  managerFactory: DatastoreManagerFactory;
  /** Root logger; defaults to the process logger. The agent adds component and instanceId. */
  logger?: Logger;
  /** Where "stopped on request" is remembered; defaults to a marker file in the instance root. */
  intent?: IntentStore;
}

export interface Agent {
  readonly nc: NatsConnection;
  readonly lifecycle: Lifecycle;
  /** Resolves when the NATS connection is closed for good (after close(), or a fatal error). */
  readonly closed: Promise<void | Error>;
  /** Stops serving, heartbeating and supervising, and drains NATS. The database server keeps running. */
  close(): Promise<void>;
}

/** Starts the agent; resolves once it serves RPCs (it waits for NATS as long as it takes). */
export async function startAgent(config: AgentConfig, deps: AgentDeps): Promise<Agent> {
  const { instanceId } = config;
  const log = (deps.logger ?? createLogger("agent")).child({ component: "agent", instanceId });
  const lifetime = new AbortController();
  const scrubber = createScrubber();
  const lifecycle = createLifecycle({
    manager: deps.managerFactory(config.layout),
    intent: deps.intent ?? createIntentFile(config.layout.root),
    probeIntervalMs: config.probeIntervalMs,
    backoff: { initialMs: config.restartBackoffMs, maxMs: config.restartBackoffMaxMs },
    lifetime: lifetime.signal,
    logger: log,
    scrubber,
    volumePath: config.layout.dataDir,
  });

  try {
    await lifecycle.resume();
    log.info({ natsUrl: config.natsUrl }, "connecting to nats");
    const nc = await connect({
      servers: config.natsUrl,
      name: `hoard-agent-${instanceId}`,
      maxReconnectAttempts: -1,
      waitOnFirstConnect: true,
      reconnectTimeWait: 1000,
    });
    void logConnectionEvents(nc, log);

    const walFile = createWalArchiveFile(config.layout.root);
    const spoolDir = lifecycle.walSpoolDir;
    const shipper = spoolDir ? createWalShipper({ spoolDir, target: walTargetLoader(walFile, nc), logger: log }) : undefined;
    const wal = { file: walFile, shipper };
    const subscription = serveOverNats(nc, (router) => registerGuestAgentService(router, { instanceId, lifecycle, engine: config.engine, nc, wal }), {
      subject: agentWildcard(instanceId),
      logger: log,
      interceptors: [createRequestScopeInterceptor(log, scrubber)],
    });
    await nc.flush(); // the server knows the subscription: from here on a request finds a responder
    const heartbeat = startHeartbeat({
      nc,
      instanceId,
      intervalMs: config.heartbeatIntervalMs,
      facts: () => ({
        ...lifecycle.current(),
        volumeUsedBytes: lifecycle.volumeUsedBytes(),
        volumeTotalBytes: lifecycle.volumeTotalBytes(),
        crashRestarts: lifecycle.crashRestarts(),
      }),
      refresh: () => void lifecycle.refreshVolume(),
      logger: log,
    });
    lifecycle.onStatusChange(() => heartbeat.beat());
    const rotation = startLogRotation(lifecycle, config.logRotateIntervalMs, log);
    log.info({ subject: subscription.getSubject() }, "agent serving");

    let closing: Promise<void> | undefined;
    return {
      nc,
      lifecycle,
      closed: nc.closed(),
      close() {
        closing ??= (async () => {
          log.info("agent shutting down; the database server keeps running");
          heartbeat.stop();
          clearInterval(rotation);
          shipper?.close();
          lifecycle.close();
          lifetime.abort();
          if (!nc.isClosed()) await nc.drain();
        })();
        return closing;
      },
    };
  } catch (err) {
    lifecycle.close();
    lifetime.abort();
    throw err;
  }
}

/** Keeps the engine's logs within their cap; one sweep at a time, failures logged once per streak. */
function startLogRotation(lifecycle: Lifecycle, intervalMs: number, log: Logger): NodeJS.Timeout {
  let running = false;
  let failing = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    lifecycle.logs
      .rotate()
      .then(() => (failing = false))
      .catch((err: unknown) => {
        if (!failing) log.warn({ err }, "log rotation failed");
        failing = true;
      })
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return timer;
}

async function logConnectionEvents(nc: NatsConnection, log: Logger): Promise<void> {
  for await (const status of nc.status()) {
    switch (status.type) {
      case "disconnect":
        log.warn({ server: status.server }, "nats disconnected; reconnecting");
        break;
      case "reconnect":
        log.info({ server: status.server }, "nats reconnected");
        break;
      case "error":
        log.error({ err: status.error }, "nats error");
        break;
      default:
        break;
    }
  }
}
