// The PostgreSQL 15 implementation of DatastoreManager: composes the template, config, process,
// admin, configure, logs and probe modules into the operations the agent's RPC handlers call.
import { rm } from "node:fs/promises";
import { pino, type Logger } from "pino";
import { diskUsageBytes, exists } from "../common/host-fs.js";
import { writeOwnedFile } from "../common/owned-file.js";
import { restoreOrUndo } from "../common/restore-target.js";
import { createSerialQueue } from "../common/serial-queue.js";
import { DatastorePreconditionError } from "../errors.js";
import type { DatastoreBackups, DatastoreManager, InstanceLayout, PrepareSpec, ServiceHealth } from "../manager.js";
import { createPostgresqlAdmin } from "./admin-ops.js";
import { ensureDatabases, ensureUsers, grantSchemaPublic, setAdminPassword, withAdminSession } from "./admin.js";
import { writeAgentState } from "./agent-state.js";
import { ensureServerDirs, reloadServer, startServer, stopServer } from "./app.js";
import { backupServer } from "./backup.js";
import { estimateFullBackupBytes } from "./backup-estimate.js";
import { writeCheckedConfigFiles } from "./config-check.js";
import { writeConfigFiles } from "./config-files.js";
import { configure, nextState } from "./configure.js";
import { assertRunnableAccount, createInstanceContext } from "./context.js";
import { effectiveParameters } from "./live-settings.js";
import { createPostgresqlLogs } from "./logs.js";
import { checkLayout } from "./paths.js";
import { inspectPostmaster } from "./postmaster.js";
import { clearForRestore, restoreServer } from "./restore.js";
import { checkPrepareSpec, checkRestoreSpec } from "./spec-checks.js";
import { probeServer } from "./status.js";
import { copyTemplate, dataDirState, ensureTemplate, flushCopy } from "./template.js";
import { createPostgresqlWal } from "./wal.js";
import { incrementalBackup } from "./wal-increment.js";

/** Tuning knobs of the manager; the defaults suit production. */
export interface PostgresqlManagerOptions {
  /** Parent logger; the manager adds {component, instanceId}. Silent when absent. */
  logger?: Logger;
  /** pg_ctl start -t: crash recovery after a hard stop can take a while. */
  startTimeoutSeconds?: number;
  /** pg_ctl stop -m fast -t, before escalating to an immediate shutdown. */
  stopTimeoutSeconds?: number;
  /** Bytes the server log may take; default min(100 MiB, 10% of the volume). Tests set small ones. */
  logCapBytes?: number;
}

/**
 * Builds the manager of one PostgreSQL instance. Cheap and side-effect free: nothing is checked or
 * touched until an operation runs. Lifecycle, administrative, configure and log-switch operations
 * run one at a time, in call order; probe, volumeUsedBytes and the reading and rotating of logs run
 * alongside them.
 */
export function createPostgresqlManager(layout: InstanceLayout, options: PostgresqlManagerOptions = {}): DatastoreManager {
  const ctx = createInstanceContext(layout, options.logger ?? pino({ level: "silent" }));
  const { paths } = ctx;
  const startTimeout = options.startTimeoutSeconds ?? 300;
  const stopTimeout = options.stopTimeoutSeconds ?? 60;
  const serial = createSerialQueue();
  // Whether the server should be running, so probe can tell CRASHED from SHUTDOWN. In memory only:
  // after an agent restart it is unknown until an operation sets it or a probe first sees the
  // server up (a server found running was meant to run).
  let wantRunning: boolean | undefined;

  const checkRunnable = (): void => {
    checkLayout(layout, paths);
    assertRunnableAccount(ctx);
  };

  const start = async (signal: AbortSignal): Promise<void> => {
    signal.throwIfAborted();
    checkRunnable();
    wantRunning = true;
    await startServer(ctx, startTimeout, signal);
  };

  const stop = async (signal: AbortSignal): Promise<void> => {
    signal.throwIfAborted();
    wantRunning = false;
    await stopServer(ctx, stopTimeout, signal);
  };

  const prepare = async (spec: PrepareSpec, signal: AbortSignal): Promise<void> => {
    signal.throwIfAborted();
    checkPrepareSpec(spec);
    checkRunnable();
    const began = performance.now();
    let state = await dataDirState(paths.dataDir);
    if (state === "foreign") {
      throw new DatastorePreconditionError(`${paths.dataDir} holds files but no PostgreSQL data directory; refusing to overwrite it`);
    }
    if (state === "initialised" && !(await exists(paths.preparedMarker))) {
      // An earlier prepare was interrupted (agent or host crash). Nobody has been given this
      // instance yet, so it holds no user data: start over rather than trust a copy that may
      // never have reached the disk.
      ctx.logger.warn("postgresql data directory left by an interrupted prepare; starting over");
      await stopServer(ctx, stopTimeout, signal);
      await rm(paths.dataDir, { recursive: true, force: true });
      state = "empty";
    }
    const fresh = state === "empty";
    if (fresh) await copyTemplate(ctx, await ensureTemplate(ctx, signal), signal);
    await ensureServerDirs(ctx);
    // The settings are recorded beside the data (agent-state.ts) for configure and the log switches.
    const next = await nextState(ctx, spec);
    // A fresh copy is not running and reports a refused setting when it starts; a repeated prepare
    // checks first, so a running server is never stopped for a configuration it cannot start with.
    const changes = fresh
      ? await writeConfigFiles(ctx, next.settings, next.logSwitches, false)
      : await writeCheckedConfigFiles(ctx, next.settings, next.logSwitches, signal);
    await writeAgentState(ctx, next, !fresh);
    // One syncfs makes the copy and its config durable; it overlaps with the server's start and
    // is awaited before prepare reports success.
    const flushed = fresh ? flushCopy(ctx, signal) : Promise.resolve();
    flushed.catch(() => {}); // observed below
    const copiedMs = performance.now() - began;

    wantRunning = true;
    if ((await inspectPostmaster(paths)).kind === "alive") {
      // A repeated prepare: apply what changed to the running server.
      if (changes.settings) await stopServer(ctx, stopTimeout, signal);
      else if (changes.auth) await reloadServer(ctx, signal);
    }
    await startServer(ctx, startTimeout, signal);
    const startedMs = performance.now() - began;

    await withAdminSession(ctx, "postgres", signal, async (client) => {
      await setAdminPassword(client, spec.adminPassword);
      await ensureDatabases(client, spec.databases);
      await ensureUsers(client, spec.users);
    });
    for (const [database, roles] of rolesByDatabase(spec)) {
      await withAdminSession(ctx, database, signal, (client) => grantSchemaPublic(client, database, roles));
    }
    await flushed;
    await writeOwnedFile(paths.preparedMarker, `${JSON.stringify({ preparedAt: new Date().toISOString() })}\n`, ctx.switchTo);
    ctx.logger.info(
      { copiedMs: Math.round(copiedMs), startedMs: Math.round(startedMs), totalMs: Math.round(performance.now() - began), fresh },
      "postgresql prepared",
    );
  };

  const backups: DatastoreBackups = {
    incremental: true, // the WAL archived since the parent (wal-increment.ts)
    // The queue for the set-up only, not the copy.
    backup: (signal, parent) => serial(() => (parent ? incrementalBackup(ctx, signal, parent) : backupServer(ctx, signal))),
    estimateFullBytes: (signal) => estimateFullBackupBytes(ctx, signal),
    restore: (data, spec, signal, increments) =>
      serial(async () => {
        signal.throwIfAborted();
        checkRunnable();
        checkRestoreSpec(spec);
        await clearForRestore(ctx, stopTimeout, signal);
        wantRunning = true;
        const undoStop = (): Promise<void> => stopServer(ctx, stopTimeout, new AbortController().signal);
        await restoreOrUndo(paths.dataDir, ctx.logger, undoStop, () => restoreServer(ctx, data, spec, startTimeout, signal, increments)).catch((err: unknown) => {
          wantRunning = false;
          throw err;
        });
      }),
  };

  return {
    ...createPostgresqlAdmin(ctx, serial),
    isPrepared: () => exists(paths.preparedMarker),
    prepare: (spec, signal) => serial(() => prepare(spec, signal)),
    start: (signal) => serial(() => start(signal)),
    stop: (signal) => serial(() => stop(signal)),
    restart: (signal) =>
      serial(async () => {
        await stop(signal);
        await start(signal);
      }),
    probe: async (): Promise<ServiceHealth> => {
      const health = await probeServer(ctx, wantRunning ?? false);
      if (wantRunning === undefined && (health.state === "HEALTHY" || health.state === "RUNNING")) wantRunning = true;
      return health;
    },
    volumeUsedBytes: () => diskUsageBytes(paths.dataDir),
    configure: (settings, signal) => serial(() => configure(ctx, settings, signal)),
    effectiveParameters: (names) => serial(() => effectiveParameters(ctx, names)),
    logs: createPostgresqlLogs(ctx, serial, { logCapBytes: options.logCapBytes }),
    backups,
    wal: createPostgresqlWal(ctx),
  };
}

/** Each database some user was granted, with those users: schema grants need a session in that database. */
function rolesByDatabase(spec: PrepareSpec): Map<string, string[]> {
  const byDatabase = new Map<string, string[]>();
  for (const user of spec.users) {
    for (const database of user.databases) {
      const roles = byDatabase.get(database) ?? [];
      if (!roles.includes(user.name)) roles.push(user.name);
      byDatabase.set(database, roles);
    }
  }
  return byDatabase;
}
