// The DatastoreManager of a MySQL-family engine: composes the template, config, process, admin,
// access, configure, logs and probe modules into the operations the agent's RPC handlers call. The
// engine supplies its flavor.
import { rm } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pino, type Logger } from "pino";
import { diskUsageBytes, exists } from "../common/host-fs.js";
import { restoreOrUndo } from "../common/restore-target.js";
import { createSerialQueue } from "../common/serial-queue.js";
import { DatastorePreconditionError } from "../errors.js";
import type {
  ConfigureResult,
  DatastoreManager,
  InstanceLayout,
  OpenBackupObject,
  PrepareSpec,
  RestoreSpec,
  ServerSettings,
  ServiceHealth,
} from "../manager.js";
import { networkHosts } from "./access.js";
import { syncAccess } from "./access-sync.js";
import { guard } from "./admin-support.js";
import { createAdmin, ensureDatabasesAndUsers } from "./admin.js";
import { readAgentState, writeAgentState } from "./agent-state.js";
import { backupServer } from "./backup.js";
import { estimateFullBackupBytes } from "./backup-estimate.js";
import { runSql } from "./client.js";
import { removeInitFile, writeAdminCredentials, writeOptionFile } from "./config-file.js";
import { configureServer, restartPending } from "./configure.js";
import { assertRunnableAccount, createInstanceContext, type AdminAuth } from "./context.js";
import type { MysqlFlavor } from "./flavor.js";
import { createGuestLogs } from "./guest-logs.js";
import { resolveLogSwitches } from "./log-kinds.js";
import { DEFAULT_LOG_LIMITS, type LogLimits } from "./log-rotation.js";
import { writeOwnedFile } from "./owned-file.js";
import { checkLayout } from "./paths.js";
import { inspectServer } from "./pid-file.js";
import { clearForRestore, finishRestore, restoreDataDir } from "./restore.js";
import { ensureServerDirs, startServer, stopServer } from "./server.js";
import { applyParameters, normalName } from "./settings.js";
import { checkPrepareSpec, checkRestoreSpec } from "./spec-checks.js";
import { text } from "./sql.js";
import { PROBE_TIMEOUT_MS, probeServer } from "./status.js";
import { copyTemplate, dataDirState, ensureTemplate, flushCopy } from "./template.js";

/** Tuning knobs of the manager; the defaults suit production. */
export interface MysqlManagerOptions {
  /** Parent logger; the manager adds {component, instanceId}. Silent when absent. */
  logger?: Logger;
  /** How long a start may take to accept connections (crash recovery after a hard stop can be slow). */
  startTimeoutSeconds?: number;
  /** How long a normal shutdown may take before SIGKILL. */
  stopTimeoutSeconds?: number;
  /** How the agent logs in as root@localhost; by default "socket" when the agent runs as root, else "password". */
  adminAuth?: AdminAuth;
  /** Caps of the server's logs (log-rotation.ts); tests use small ones. */
  logLimits?: Partial<LogLimits>;
}

/**
 * Builds the manager of one instance of `flavor`. Cheap and side-effect free: nothing is checked or
 * touched until an operation runs. Mutating operations (lifecycle and admin) run one at a time, in
 * call order; probe, the list operations and volumeUsedBytes run alongside them.
 */
export function createMysqlFamilyManager(layout: InstanceLayout, flavor: MysqlFlavor, options: MysqlManagerOptions = {}): DatastoreManager {
  const ctx = createInstanceContext(layout, flavor, options.logger ?? pino({ level: "silent" }), options.adminAuth, {
    ...DEFAULT_LOG_LIMITS,
    ...options.logLimits,
  });
  const { paths } = ctx;
  const startTimeout = options.startTimeoutSeconds ?? 300;
  const stopTimeout = options.stopTimeoutSeconds ?? 60;
  const serial = createSerialQueue();
  // Whether the server should be running, so probe can tell CRASHED from SHUTDOWN. In memory only:
  // after an agent restart it is unknown until an operation sets it or a probe first sees the
  // server up (a server found running was meant to run).
  let wantRunning: boolean | undefined;
  let starting = 0;
  // Whether the running server waits for a restart: set by configure, forgotten when the server
  // starts or stops, and otherwise found out by the next healthy probe (one query), so the probe
  // stays cheap. `generation` keeps a slow probe from storing an answer that is already stale.
  let pending: boolean | undefined;
  let generation = 0;
  let refusedLive: string[] = [];
  const forgetPending = (): void => {
    pending = undefined;
    generation += 1;
  };

  const checkRunnable = (): void => {
    checkLayout(layout, paths);
    assertRunnableAccount(ctx);
  };

  const runStart = async (signal: AbortSignal, initFile = false): Promise<void> => {
    wantRunning = true;
    starting += 1;
    forgetPending();
    try {
      await startServer(ctx, startTimeout, signal, { initFile });
    } finally {
      starting -= 1;
      forgetPending();
    }
  };

  // Every start brings the accounts under the recorded networks: allowed CIDRs configured while
  // the server was stopped, or a change a crash cut short (access.ts).
  const start = async (signal: AbortSignal): Promise<void> => {
    signal.throwIfAborted();
    checkRunnable();
    await runStart(signal);
    await syncAccess(ctx, signal);
  };

  const stop = async (signal: AbortSignal): Promise<void> => {
    signal.throwIfAborted();
    wantRunning = false;
    forgetPending();
    await stopServer(ctx, stopTimeout, signal);
  };

  const configure = async (settings: ServerSettings, signal: AbortSignal): Promise<ConfigureResult> => {
    signal.throwIfAborted();
    if (!(await exists(paths.preparedMarker))) throw new DatastorePreconditionError(`${flavor.displayName} is not prepared: prepare the instance first`);
    const outcome = await configureServer(ctx, settings, signal);
    forgetPending();
    refusedLive = outcome.refused;
    if (outcome.running) pending = outcome.restartPending;
    return { restartRequired: outcome.restartPending };
  };

  const effectiveParameters = async (names: string[]): Promise<Record<string, string>> => {
    const asked = new Map<string, string[]>();
    for (const name of names) asked.set(normalName(name), [...(asked.get(normalName(name)) ?? []), name]);
    if (asked.size === 0) return {};
    const sql = `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${[...asked.keys()].map(text).join(", ")});`;
    const rows = await guard(ctx, () => runSql(ctx, sql, { signal: new AbortController().signal }));
    const values: Record<string, string> = {};
    for (const [name = "", value = ""] of rows) for (const requested of asked.get(name.toLowerCase()) ?? []) values[requested] = value;
    return values;
  };

  const probe = async (): Promise<ServiceHealth> => {
    const health = await probeServer(ctx, wantRunning ?? false, starting > 0);
    if (wantRunning === undefined && (health.state === "HEALTHY" || health.state === "RUNNING")) wantRunning = true;
    if (health.state !== "HEALTHY") return health;
    if (pending === undefined) {
      const asked = generation;
      const found = await restartPending(ctx, new AbortController().signal, refusedLive, PROBE_TIMEOUT_MS).catch(() => undefined);
      if (asked === generation && found !== undefined) pending = found;
    }
    return pending ? { state: "HEALTHY", restartPending: true } : health;
  };

  const prepare = async (spec: PrepareSpec, signal: AbortSignal): Promise<void> => {
    signal.throwIfAborted();
    checkPrepareSpec(flavor.engine, spec);
    applyParameters([], spec.parameters); // refuses names the agent owns before anything is copied
    networkHosts(spec.allowedCidrs);
    checkRunnable();
    const began = performance.now();
    let state = await dataDirState(paths.dataDir);
    if (state === "foreign") {
      throw new DatastorePreconditionError(`${paths.dataDir} holds files but no ${flavor.displayName} data directory; refusing to overwrite it`);
    }
    if (state === "initialised" && !(await exists(paths.preparedMarker))) {
      // An earlier prepare was interrupted (agent or host crash). Nobody has been given this
      // instance yet, so it holds no user data: start over rather than trust a copy that may
      // never have reached the disk.
      ctx.logger.warn("data directory left by an interrupted prepare; starting over");
      await stopServer(ctx, stopTimeout, signal);
      await rm(paths.dataDir, { recursive: true, force: true });
      state = "empty";
    }
    const fresh = state === "empty";
    if (fresh) await copyTemplate(ctx, await ensureTemplate(ctx, signal), signal);
    await ensureServerDirs(ctx);
    const record = await readAgentState(ctx);
    const logs = resolveLogSwitches(record, spec.parameters);
    const changed = await writeOptionFile(ctx, { ...spec, logs }, !fresh);
    record.access.cidrs = [...spec.allowedCidrs]; // users made below get their accounts per network at once
    await writeAgentState(ctx, record);
    await writeAdminCredentials(ctx, spec.adminPassword, fresh);
    // One syncfs makes the copy durable; it overlaps with the server's start and is awaited
    // before prepare reports success.
    const flushed = fresh ? flushCopy(ctx, signal) : Promise.resolve();
    flushed.catch(() => {}); // observed below
    const copiedMs = performance.now() - began;

    wantRunning = true;
    if (changed && !fresh && (await inspectServer(paths)).kind === "alive") {
      await stopServer(ctx, stopTimeout, signal); // a repeated prepare with new settings: restart
    }
    try {
      await runStart(signal, fresh && ctx.adminAuth === "password");
    } finally {
      await removeInitFile(ctx);
    }
    const startedMs = performance.now() - began;

    await ensureDatabasesAndUsers(ctx, spec, signal);
    await syncAccess(ctx, signal);
    await flushed;
    await writeOwnedFile(paths.preparedMarker, `${JSON.stringify({ preparedAt: new Date().toISOString() })}\n`, ctx.switchTo);
    ctx.logger.info(
      { copiedMs: Math.round(copiedMs), startedMs: Math.round(startedMs), totalMs: Math.round(performance.now() - began), fresh },
      "prepared",
    );
  };

  const restore = async (data: Readable, spec: RestoreSpec, signal: AbortSignal, increments: readonly OpenBackupObject[]): Promise<void> => {
    signal.throwIfAborted();
    checkRestoreSpec(flavor.engine, spec);
    applyParameters([], spec.parameters);
    networkHosts(spec.allowedCidrs);
    checkRunnable();
    await clearForRestore(ctx, stopTimeout, signal);
    const began = performance.now();
    wantRunning = true;
    const undoStop = (): Promise<void> => stopServer(ctx, stopTimeout, new AbortController().signal);
    await restoreOrUndo(paths.dataDir, ctx.logger, undoStop, async () => {
      const access = await restoreDataDir(ctx, data, increments, signal);
      const extractedMs = performance.now() - began;
      await finishRestore(ctx, access, spec, (initFile) => runStart(signal, initFile), signal);
      ctx.logger.info({ extractedMs: Math.round(extractedMs), totalMs: Math.round(performance.now() - began) }, "restored from a backup");
    }).catch((err: unknown) => {
      wantRunning = false;
      throw err;
    });
  };

  return {
    ...createAdmin(ctx, serial),
    isPrepared: () => exists(paths.preparedMarker),
    prepare: (spec, signal) => serial(() => prepare(spec, signal)),
    start: (signal) => serial(() => start(signal)),
    stop: (signal) => serial(() => stop(signal)),
    restart: (signal) =>
      serial(async () => {
        await stop(signal);
        await start(signal);
      }),
    probe,
    volumeUsedBytes: () => diskUsageBytes(paths.dataDir),
    configure: (settings, signal) => serial(() => configure(settings, signal)),
    effectiveParameters,
    logs: createGuestLogs(ctx, serial),
    backups: {
      incremental: true,
      backup: (signal, parent) => backupServer(ctx, signal, parent),
      estimateFullBytes: () => estimateFullBackupBytes(ctx),
      restore: (data, spec, signal, increments = []) => serial(() => restore(data, spec, signal, increments)),
    },
  };
}
