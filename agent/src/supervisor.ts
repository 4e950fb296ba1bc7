// Keeps a prepared database server running. It probes every probeIntervalMs; when the server should
// run but is down it reports CRASHED at once and restarts it after a doubling backoff (1 s, 2 s,
// 4 s, ... capped), counting the restarts. Start, Stop and Restart go through it too, one at a time
// with the probe, so a probe never mistakes a deliberate stop for a crash. Stop switches crash
// restarts off until Start or Restart; the choice survives agent restarts (see intent-file.ts).
import type { DatastoreManager, ServiceHealth } from "./datastores/manager.js";
import { FailedPreconditionError } from "../../services/platform/errors.js";
import type { Logger } from "../../services/platform/logger.js";
import { restartDelayMs, type BackoffPolicy } from "./backoff.js";
import { describeError, type Scrubber } from "./errors.js";
import type { IntentStore } from "./intent-file.js";
import { isUp, type Desired } from "./status.js";

export interface SupervisorOptions {
  manager: DatastoreManager;
  intent: IntentStore;
  probeIntervalMs: number;
  backoff: BackoffPolicy;
  /** Aborted when the agent shuts down; the server itself is left running. */
  lifetime: AbortSignal;
  logger: Logger;
  scrubber: Scrubber;
  /** Called after every probe and every change of the desired state. */
  onObservation: (desired: Desired, health: ServiceHealth | undefined) => void;
}

export interface Supervisor {
  readonly desired: Desired;
  /** Last probe result; undefined before the first probe. */
  readonly health: ServiceHealth | undefined;
  /** Restarts of a crashed server since the agent started. */
  readonly crashRestarts: number;
  /** At agent start-up, for a prepared datastore: start the server unless it was stopped on request, then probe. */
  adopt(): Promise<void>;
  /** After a successful prepare: the server runs; probe it from now on. */
  supervise(): Promise<ServiceHealth>;
  start(signal: AbortSignal): Promise<void>;
  stop(signal: AbortSignal): Promise<void>;
  restart(signal: AbortSignal): Promise<void>;
  /** Probes now, unless an operation is under way (then the last probe stands). */
  probeNow(): Promise<ServiceHealth | undefined>;
  close(): void;
}

export function createSupervisor(options: SupervisorOptions): Supervisor {
  const { manager, intent, backoff, lifetime, scrubber } = options;
  const log = options.logger.child({ unit: "supervisor" });
  const probeTimeoutMs = Math.max(10_000, options.probeIntervalMs * 5);

  let desired: Desired = "running";
  let health: ServiceHealth | undefined;
  let active = false;
  let closed = false;
  let crashRestarts = 0;
  /** Index of the next crash restart in the backoff sequence; reset after a healthy spell. */
  let attempt = 0;
  let lastRestartAt = 0;
  let restartDueAt: number | undefined;
  let crashRestartAbort: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  let tail: Promise<unknown> = Promise.resolve();
  let busy = 0;

  /** Runs `fn` after every operation queued before it, probe ticks included. */
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      busy++;
      try {
        return await fn();
      } finally {
        busy--;
      }
    };
    const result = tail.then(run, run);
    tail = result.catch(() => undefined);
    return result;
  }

  function observe(next: ServiceHealth | undefined): void {
    health = next;
    options.onObservation(desired, health);
  }

  async function probe(): Promise<ServiceHealth> {
    let timeout: NodeJS.Timeout | undefined;
    const late = new Promise<ServiceHealth>((resolve) => {
      timeout = setTimeout(() => resolve({ state: "RUNNING", detail: `probe did not answer within ${probeTimeoutMs} ms` }), probeTimeoutMs);
    });
    try {
      return await Promise.race([manager.probe(), late]);
    } catch (err) {
      // The contract says probe never throws; if one does, the server's state is unknown, not crashed.
      log.error({ error: describeError(err, scrubber) }, "probe threw");
      return { state: "RUNNING", detail: "probe failed" };
    } finally {
      clearTimeout(timeout);
    }
  }

  function schedule(): void {
    if (closed || !active) return;
    clearTimeout(timer);
    const untilRestart = restartDueAt === undefined ? Infinity : Math.max(0, restartDueAt - Date.now());
    timer = setTimeout(() => void tick(), Math.min(options.probeIntervalMs, untilRestart));
  }

  async function tick(): Promise<void> {
    try {
      await exclusive(checkOnce);
    } catch (err) {
      log.error({ error: describeError(err, scrubber) }, "supervision tick failed");
    }
    schedule();
  }

  async function checkOnce(): Promise<void> {
    if (closed) return;
    const seen = await probe();
    observe(seen);
    const now = Date.now();
    if (desired === "stopped" || isUp(seen)) {
      restartDueAt = undefined;
      if (attempt > 0 && isUp(seen) && now - lastRestartAt >= backoff.maxMs) attempt = 0;
      return;
    }
    if (restartDueAt === undefined) {
      restartDueAt = now + restartDelayMs(attempt, backoff);
      log.warn(
        { probe: seen.state, detail: "detail" in seen ? scrubber.scrub(seen.detail) : "", restartInMs: restartDueAt - now },
        "server is down although it should run; restarting it after backoff",
      );
      return;
    }
    if (now < restartDueAt) return;
    restartDueAt = undefined;
    attempt++;
    crashRestarts++;
    lastRestartAt = now;
    const abort = new AbortController();
    crashRestartAbort = abort;
    const signal = AbortSignal.any([abort.signal, lifetime]);
    try {
      await manager.start(signal);
      log.info({ crashRestarts }, "server restarted after a crash");
    } catch (err) {
      if (!signal.aborted) log.error({ error: describeError(err, scrubber), crashRestarts }, "restarting the crashed server failed");
    } finally {
      crashRestartAbort = undefined;
    }
    if (!closed) observe(await probe());
  }

  /** Start, Stop and Restart: set what should be, do it, probe. */
  async function operate(name: string, want: Desired, op: (signal: AbortSignal) => Promise<void>, caller: AbortSignal): Promise<void> {
    if (!active) throw new FailedPreconditionError(`cannot ${name}: the datastore has not been prepared`);
    if (want === "stopped") crashRestartAbort?.abort();
    await exclusive(async () => {
      caller.throwIfAborted();
      lifetime.throwIfAborted();
      if (desired !== want) {
        await intent.save(want);
        desired = want;
        // A stopped server about to start is "starting", not "down although it should run".
        observe(want === "running" ? undefined : health);
      }
      restartDueAt = undefined;
      attempt = 0;
      log.info({ operation: name }, "server operation starting");
      try {
        await op(AbortSignal.any([caller, lifetime]));
      } finally {
        if (!closed) observe(await probe());
      }
      log.info({ operation: name }, "server operation done");
    });
    schedule();
  }

  return {
    get desired() {
      return desired;
    },
    get health() {
      return health;
    },
    get crashRestarts() {
      return crashRestarts;
    },

    async adopt() {
      if (active) return;
      active = true;
      desired = await intent.load();
      observe(undefined);
      log.info({ desired }, "adopting a prepared datastore");
      if (desired === "running") {
        // In the background: the agent answers RPCs meanwhile, which queue behind this start.
        void exclusive(async () => {
          try {
            await manager.start(lifetime);
            log.info("server started at agent start-up");
          } catch (err) {
            if (!lifetime.aborted) log.error({ error: describeError(err, scrubber) }, "starting the server at agent start-up failed");
          }
          if (!closed) observe(await probe());
        });
      }
      schedule();
    },

    async supervise() {
      await intent.save("running");
      desired = "running";
      active = true;
      restartDueAt = undefined;
      attempt = 0;
      const seen = await exclusive(probe);
      observe(seen);
      schedule();
      return seen;
    },

    start: (signal) => operate("start", "running", (s) => manager.start(s), signal),
    stop: (signal) => operate("stop", "stopped", (s) => manager.stop(s), signal),
    restart: (signal) => operate("restart", "running", (s) => manager.restart(s), signal),

    async probeNow() {
      if (!active || busy > 0) return health;
      return exclusive(async () => {
        const seen = await probe();
        observe(seen);
        return seen;
      });
    },

    close() {
      closed = true;
      clearTimeout(timer);
      crashRestartAbort?.abort();
    },
  };
}
