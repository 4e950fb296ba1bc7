// The life of one instance inside its agent: NEW until prepared, BUILDING while Prepare runs, then
// supervised; FAILED when Prepare failed (a new Prepare retries). Prepare runs once at a time:
// a call arriving while one runs waits for the same result, and a call after success just makes
// sure the server runs. Everything the RPC handlers and the heartbeat need goes through here, and
// every engine failure leaves as a typed error with a scrubbed message.
//
// Administration (databases, users, root) needs a prepared, healthy server. It never overlaps a
// lifecycle operation: while Prepare, Start, Stop or Restart runs (or waits), administrative calls
// are refused with FAILED_PRECONDITION at once, and Start, Stop and Restart first wait for the
// administrative calls already under way, so a restart never cuts one in half.
import { statfs } from "node:fs/promises";
import { ServiceStatus } from "../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { DeadlineExceededError, FailedPreconditionError, isServerFault } from "../../services/platform/errors.js";
import type {
  ConfigureResult,
  DatastoreAdmin,
  DatastoreBackups,
  DatastoreCapabilities,
  GuestLogs,
  OpenBackupObject,
  PrepareSpec,
  RestoreSpec,
  ServerSettings,
  SwitchedSegment,
} from "./datastores/manager.js";
import { describeError, toOperationError } from "./errors.js";
import { serviceStatusOf, type Phase, type StatusReport } from "./status.js";
import { createSupervisor, type SupervisorOptions } from "./supervisor.js";

/** What the supervisor needs, minus the observer (the lifecycle is that observer), and where the volume is. */
export type LifecycleOptions = Omit<SupervisorOptions, "onObservation"> & {
  /** A path on the instance's volume, whose filesystem size is reported as the volume's total. */
  volumePath?: string;
};

/** A probe's outcome as GetStatus answers it. */
export interface StatusSnapshot extends StatusReport {
  volumeUsedBytes: number;
  volumeTotalBytes: number;
  probedAt: Date;
}

/** How an administrative call is run. */
export interface AdminCallOptions {
  /** Passwords the call carries: blanked from every message and log line from now on. */
  secrets?: string[];
  /** The caller's deadline; the engine call itself cannot be cut short once it started. */
  signal?: AbortSignal;
}

export interface Lifecycle {
  readonly prepared: boolean;
  /** What the engine offers beyond the lifecycle (databases, hosts, grants). */
  readonly capabilities: DatastoreCapabilities;
  /** Status as last derived (no probe). */
  current(): StatusReport;
  crashRestarts(): number;
  /** Last measured volume usage; refreshVolume() measures again. */
  volumeUsedBytes(): number;
  /** Last measured size of the volume's filesystem (0 until measured). */
  volumeTotalBytes(): number;
  refreshVolume(): Promise<number>;
  /** Called with the new report whenever the status (not just its detail) changes. */
  onStatusChange(listener: (report: StatusReport) => void): void;
  /** At agent start-up: finds out whether the datastore is prepared and, if so, brings the server back. */
  resume(): Promise<void>;
  prepare(spec: PrepareSpec, signal: AbortSignal): Promise<void>;
  /**
   * Builds a never-prepared instance from a backup (`open` gives its byte stream; `increments`
   * the incremental backups on it, oldest first) instead of Prepare, with the same once-at-a-time
   * and repeat-is-harmless rules. Increments on an engine without them: FailedPreconditionError.
   */
  restore(open: OpenBackupObject, spec: RestoreSpec, signal: AbortSignal, increments?: readonly OpenBackupObject[]): Promise<void>;
  /** Where the engine's archive_command leaves WAL files for the shipper; undefined for engines without WAL archiving. */
  readonly walSpoolDir: string | undefined;
  /** Makes the engine keep its WAL for the shipper (FAILED_PRECONDITION for engines without WAL archiving). */
  enableWalArchiving(): Promise<void>;
  /** Commits and switches to a new WAL file, like an administrative call; names the last complete file. */
  switchWal(signal: AbortSignal): Promise<SwitchedSegment>;
  /** Runs a backup like an administrative call: a healthy server, no lifecycle operation alongside. */
  backup<T>(run: (backups: DatastoreBackups) => Promise<T>, signal: AbortSignal): Promise<T>;
  start(signal: AbortSignal): Promise<void>;
  stop(signal: AbortSignal): Promise<void>;
  restart(signal: AbortSignal): Promise<void>;
  /** Applies new settings (exclusive like Start/Stop), then probes so the status shows a pending restart at once. */
  configure(settings: ServerSettings, signal: AbortSignal): Promise<ConfigureResult>;
  /** The running server's values of these parameters; needs a healthy server like administration. */
  effectiveParameters(names: string[], signal?: AbortSignal): Promise<Record<string, string>>;
  /** The instance's logs; calls fail with FAILED_PRECONDITION before the datastore is prepared. */
  readonly logs: GuestLogs;
  probe(): Promise<StatusSnapshot>;
  /**
   * Runs an administrative call on the engine. FAILED_PRECONDITION "instance is not ready: ..."
   * unless the datastore is prepared, its server healthy and no lifecycle operation under way;
   * engine errors leave typed and scrubbed, like every other operation's.
   */
  admin<T>(operation: string, call: (admin: DatastoreAdmin) => Promise<T>, options?: AdminCallOptions): Promise<T>;
  close(): void;
}

export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { manager, lifetime, scrubber } = options;
  const log = options.logger.child({ unit: "lifecycle" });
  const listeners: Array<(report: StatusReport) => void> = [];
  let phase: Phase = { kind: "new" };
  let report: StatusReport = serviceStatusOf(phase, "running", undefined);
  let preparing: Promise<void> | undefined;
  let volumeBytes = 0;
  let volumeTotal = 0;
  let measuring: Promise<number> | undefined;
  /** Start, Stop, Restart (or a repeated Prepare's start) under way or waiting for administration to finish. */
  let operations = 0;
  /** Administrative calls under way; lifecycle operations wait until none is. */
  let adminCalls = 0;
  const adminIdle: Array<() => void> = [];

  const supervisor = createSupervisor({ ...options, onObservation: () => derive() });

  function derive(): void {
    const next = serviceStatusOf(phase, supervisor.desired, supervisor.health);
    const changed = next.status !== report.status;
    report = next;
    if (!changed) return;
    log.info({ status: ServiceStatus[next.status], detail: next.detail }, "service status changed");
    for (const listener of listeners) listener(next);
  }

  function enter(next: Phase): void {
    phase = next;
    derive();
  }

  /** Runs a manager call, turning its failure into a typed, scrubbed error (logged once here). */
  async function guarded<T>(operation: string, fn: () => Promise<T>, caller?: AbortSignal): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const typed = toOperationError(operation, err, scrubber, lifetime, caller);
      log.error({ operation, error: describeError(err, scrubber) }, "datastore operation failed");
      throw typed;
    }
  }

  /** A call that needs a prepared datastore but not a healthy server (logs are files). */
  async function preparedCall<T>(operation: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    requirePrepared(operation);
    return guarded(operation, fn, signal);
  }

  function requirePrepared(operation: string): void {
    if (phase.kind === "prepared") return;
    const why = phase.kind === "preparing" ? "Prepare is still running" : "the datastore has not been prepared";
    throw new FailedPreconditionError(`cannot ${operation}: ${why}`);
  }

  /** Why administration cannot run now, or undefined when it can. */
  function notReady(): string | undefined {
    switch (phase.kind) {
      case "new":
        return "the datastore has not been prepared";
      case "failed":
        return "the last Prepare failed";
      case "preparing":
        return "Prepare is still running";
      case "prepared":
        break;
    }
    if (operations > 0) return "a start, stop or restart is under way";
    if (supervisor.desired === "stopped") return "the database server is stopped";
    if (supervisor.health?.state !== "HEALTHY") {
      const { status, detail } = report;
      return `the database server is not healthy (${ServiceStatus[status]}${detail ? `: ${scrubber.scrub(detail)}` : ""})`;
    }
    return undefined;
  }

  /** Resolves once no administrative call is under way; rejects when `signal` aborts first. */
  function adminDrained(signal: AbortSignal): Promise<void> {
    if (adminCalls === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const wake = (): void => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = (): void => {
        adminIdle.splice(adminIdle.indexOf(wake), 1);
        reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
      };
      adminIdle.push(wake);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Start, Stop, Restart: administration is refused from now on, and the calls under way finish first. */
  async function exclusive(operation: string, signal: AbortSignal, fn: () => Promise<void>): Promise<void> {
    operations++;
    try {
      await guarded(
        operation,
        async () => {
          await adminDrained(signal);
          await fn();
        },
        signal,
      );
    } finally {
      operations--;
    }
  }

  /** Prepare or restore: BUILDING while it runs, then supervised and prepared, or FAILED with the reason. */
  async function runInitialisation(operation: "prepare" | "restore", work: () => Promise<void>): Promise<void> {
    enter({ kind: "preparing" });
    try {
      await guarded(operation, work);
      await guarded(operation, () => supervisor.supervise().then(() => undefined));
    } catch (err) {
      enter({ kind: "failed", detail: err instanceof Error ? err.message : `${operation} failed` });
      throw err;
    }
    enter({ kind: "prepared" });
    log.info(`${operation} done`);
    void refreshVolume();
  }

  /** Prepare and Restore once prepared: a repeat (after a taskmanager restart) only makes sure the server runs. */
  async function ensureRunning(signal: AbortSignal): Promise<void> {
    if (supervisor.desired !== "running" || supervisor.health?.state !== "HEALTHY") {
      await exclusive("start", signal, () => supervisor.start(signal));
    }
  }

  async function runAdmin<T>(operation: string, call: (admin: DatastoreAdmin) => Promise<T>, options: AdminCallOptions = {}): Promise<T> {
    for (const secret of options.secrets ?? []) scrubber.add(secret);
    const why = notReady();
    if (why !== undefined) throw new FailedPreconditionError(`instance is not ready: ${why}`);
    if (options.signal?.aborted) throw new DeadlineExceededError(`${operation} did not start within the caller's deadline`);
    adminCalls++;
    try {
      return await call(manager);
    } catch (err) {
      const typed = toOperationError(operation, err, scrubber, lifetime, options.signal);
      // A missing user or a duplicate database is the caller's business (the RPC log line says it).
      if (isServerFault(typed)) log.error({ operation, error: describeError(err, scrubber) }, "datastore operation failed");
      throw typed;
    } finally {
      adminCalls--;
      if (adminCalls === 0) for (const wake of adminIdle.splice(0)) wake();
    }
  }

  /** The filesystem's size; a failure keeps the last value (the used bytes are what matter most). */
  async function measureTotal(): Promise<void> {
    if (!options.volumePath) return;
    try {
      const fs = await statfs(options.volumePath);
      volumeTotal = fs.blocks * fs.bsize;
    } catch {
      // not mounted or created yet
    }
  }

  function refreshVolume(): Promise<number> {
    measuring ??= Promise.all([
      manager.volumeUsedBytes().then(
        (bytes) => (volumeBytes = bytes),
        (err: unknown) => {
          if (phase.kind === "prepared") log.warn({ error: describeError(err, scrubber) }, "measuring volume usage failed");
          return volumeBytes;
        },
      ),
      measureTotal(),
    ])
      .then(([bytes]) => bytes)
      .finally(() => (measuring = undefined));
    return measuring;
  }

  return {
    get prepared() {
      return phase.kind === "prepared";
    },
    get capabilities() {
      return manager.capabilities;
    },
    current: () => report,
    crashRestarts: () => supervisor.crashRestarts,
    volumeUsedBytes: () => volumeBytes,
    volumeTotalBytes: () => volumeTotal,
    refreshVolume,
    onStatusChange(listener) {
      listeners.push(listener);
    },

    async resume() {
      const prepared = await guarded("checking whether the datastore is prepared", () => manager.isPrepared());
      log.info({ prepared }, "agent starting");
      if (!prepared) return;
      enter({ kind: "prepared" });
      await supervisor.adopt();
      void refreshVolume();
    },

    async prepare(spec, signal) {
      scrubber.add(spec.adminPassword);
      for (const user of spec.users) scrubber.add(user.password);
      if (phase.kind === "prepared") return ensureRunning(signal);
      log.info({ databases: spec.databases.map((d) => d.name), users: spec.users.map((u) => u.name) }, "prepare starting");
      preparing ??= runInitialisation("prepare", () => manager.prepare(spec, lifetime)).finally(() => (preparing = undefined));
      await untilAborted(preparing, signal);
    },

    async restore(open, spec, signal, increments = []) {
      scrubber.add(spec.adminPassword);
      if (phase.kind === "prepared") return ensureRunning(signal);
      if (increments.length > 0 && manager.backups.incremental !== true) {
        throw new FailedPreconditionError("this engine restores full backups only; the backup is incremental");
      }
      log.info({ increments: increments.length }, "restore starting");
      preparing ??= runInitialisation("restore", async () => manager.backups.restore(await open(lifetime), spec, lifetime, increments)).finally(
        () => (preparing = undefined),
      );
      await untilAborted(preparing, signal);
    },

    walSpoolDir: manager.wal?.spoolDir,

    async enableWalArchiving() {
      const wal = manager.wal;
      if (!wal) throw new FailedPreconditionError("this datastore has no write-ahead log to archive");
      await guarded("enabling wal archiving", () => wal.enableArchiving());
    },

    switchWal(signal) {
      const wal = manager.wal;
      if (!wal) return Promise.reject(new FailedPreconditionError("this datastore has no write-ahead log to archive"));
      return runAdmin("switching the wal file", () => wal.switchSegment(signal), { signal });
    },

    backup(run, signal) {
      return runAdmin("backup", () => run(manager.backups), { signal });
    },

    async start(signal) {
      requirePrepared("start");
      await exclusive("start", signal, () => supervisor.start(signal));
    },
    async stop(signal) {
      requirePrepared("stop");
      await exclusive("stop", signal, () => supervisor.stop(signal));
    },
    async restart(signal) {
      requirePrepared("restart");
      await exclusive("restart", signal, () => supervisor.restart(signal));
    },

    async configure(settings, signal) {
      requirePrepared("configure");
      let result: ConfigureResult = { restartRequired: false };
      await exclusive("configure", signal, async () => {
        result = await manager.configure(settings, signal);
      });
      await supervisor.probeNow();
      return result;
    },

    effectiveParameters(names, signal) {
      return runAdmin("reading parameters", () => manager.effectiveParameters(names), signal ? { signal } : {});
    },

    logs: {
      listLogs: () => preparedCall("listing logs", () => manager.logs.listLogs()),
      setLogEnabled: (name, enabled, signal) =>
        preparedCall(`${enabled ? "enabling" : "disabling"} the ${name} log`, () => manager.logs.setLogEnabled(name, enabled, signal), signal),
      readLog: (name, options) => preparedCall(`reading the ${name} log`, () => manager.logs.readLog(name, options)),
      rotate: () => (phase.kind === "prepared" ? guarded("rotating logs", () => manager.logs.rotate()) : Promise.resolve()),
    },

    async probe() {
      if (phase.kind === "prepared") await supervisor.probeNow();
      const bytes = await refreshVolume();
      return { ...report, volumeUsedBytes: bytes, volumeTotalBytes: volumeTotal, probedAt: new Date() };
    },

    admin: runAdmin,

    close() {
      supervisor.close();
    },
  };
}

/** Waits for `work` but gives up when the caller's deadline passes; the work itself goes on. */
function untilAborted(work: Promise<void>, signal: AbortSignal): Promise<void> {
  const gaveUp = () => new DeadlineExceededError("Prepare is still running; call Prepare again to wait for its result");
  if (signal.aborted) return Promise.reject(gaveUp());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(gaveUp());
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
