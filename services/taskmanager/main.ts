// Taskmanager wiring: state, NATS, the compute provider, the task runner and its gRPC service,
// and the backup scheduler.
import http2 from "node:http2";
import { createClient } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { connect as connectNats, type NatsConnection } from "@nats-io/transport-node";
import { GuestAgentService } from "../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import type { PlatformConfig } from "../platform/config.js";
import type { Db } from "../platform/db/index.js";
import type { Logger } from "../platform/logger.js";
import { createNatsTransport } from "../platform/nats-rpc.js";
import { loadMasterKey } from "../platform/backup/index.js";
import { backupStorageFromEnv, deleteBackupObjects } from "../platform/backup-settings.js";
import { createSecretBox, loadSecretKey } from "../platform/secrets.js";
import { agentSubject } from "../platform/subjects.js";
import { createLocalProvider } from "./compute/local/index.js";
import { createQuotas } from "../platform/store/quota.js";
import { loadTaskmanagerConfig } from "./config.js";
import { registerTaskManagerService } from "./handlers/submit.js";
import { readoptInstances } from "./readopt.js";
import { createRunner } from "./runner.js";
import { createScheduler } from "./scheduler/index.js";
import { createScheduleStore } from "./store/schedules.js";
import { createTaskStore } from "./store/tasks.js";
import type { AgentClient } from "./workflows/context.js";

export interface Taskmanager {
  address: { host: string; port: number };
  stop(): Promise<void>;
}

export async function startTaskmanager(platform: PlatformConfig, db: Db, rootLogger: Logger): Promise<Taskmanager> {
  const logger = rootLogger.child({ component: "taskmanager" });
  const config = loadTaskmanagerConfig(platform);
  const nc: NatsConnection = await connectNats({ servers: platform.natsUrl, name: "hoard-taskmanager", maxReconnectAttempts: -1 });
  const store = createTaskStore(db, config.owner);
  const provider = createLocalProvider({
    home: platform.home,
    natsUrl: platform.natsUrl,
    agentCommand: config.agentCommand,
    formerAgentCommands: config.formerAgentCommands,
    addressMode: config.addressMode,
    hostAddress: config.hostAddress,
    loopbackBase: config.loopbackBase,
    portRange: config.portRange,
    logger: logger.child({ component: "compute-local" }),
  });
  const agentFor = (instanceId: string, requestId?: string | null): AgentClient =>
    createClient(
      GuestAgentService,
      createNatsTransport(nc, {
        subjectOf: (method) => agentSubject(instanceId, method),
        peer: `guest agent of instance ${instanceId}`,
        defaultTimeoutMs: 30_000,
        // The agent logs it, so one request can be followed from the gateway to the guest.
        interceptors: requestId ? [(next) => (req) => (req.header.set("x-request-id", requestId), next(req))] : [],
      }),
    );
  const runner = createRunner(
    { store, provider, agentFor, secrets: createSecretBox(loadSecretKey(platform.home)), backupMasterKey: loadMasterKey(platform.home), agentConnectTimeoutMs: config.agentConnectTimeoutMs, backupProgressPollMs: config.backupProgressPollMs },
    store,
    { pollMs: config.pollMs, leaseMs: config.leaseMs, logger, deadlineCapsMs: config.taskDeadlineCapsMs },
  );

  const scheduler = createScheduler(
    {
      store: createScheduleStore(db, createQuotas(config.quotaDefaults)),
      storage: backupStorageFromEnv(platform.home),
      deleteObjects: (backup) => deleteBackupObjects(backup, nc),
      addEvent: store.addEvent,
      kick: runner.kick,
      logger: logger.child({ component: "backup-scheduler" }),
    },
    { pollMs: config.schedulerPollMs, logger },
  );

  await readoptInstances(store, provider, logger, true);
  await runner.start();
  scheduler.start();
  let readopting = false;
  const readopter = setInterval(() => {
    if (readopting) return;
    readopting = true;
    readoptInstances(store, provider, logger, false)
      .catch((err: unknown) => logger.error({ err }, "re-adoption pass failed"))
      .finally(() => (readopting = false));
  }, config.readoptMs);

  const server = http2.createServer(connectNodeAdapter({ routes: (router) => registerTaskManagerService(router, runner.kick) }));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const address = await new Promise<{ host: string; port: number }>((resolve, reject) => {
    server.once("error", reject);
    server.listen(platform.taskmanagerAddr.port, platform.taskmanagerAddr.host, () => {
      const a = server.address();
      resolve({ host: platform.taskmanagerAddr.host, port: typeof a === "object" && a ? a.port : platform.taskmanagerAddr.port });
    });
  });
  logger.info({ address, owner: config.owner }, "taskmanager listening");

  return {
    address,
    async stop() {
      clearInterval(readopter);
      await scheduler.stop();
      await runner.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.destroy();
      await closed;
      await nc.drain();
    },
  };
}
