// The Redis 7 implementation of DatastoreManager: composes the config, ACL, process, admin,
// configure, logs and probe modules into the operations the agent's RPC handlers call.
import { rm } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pino, type Logger } from "pino";
import { checkPassword } from "../../../../services/platform/datastore-names.js";
import { diskUsageBytes, exists } from "../common/host-fs.js";
import { writeOwnedFile } from "../common/owned-file.js";
import { restoreOrUndo } from "../common/restore-target.js";
import { createSerialQueue } from "../common/serial-queue.js";
import { DatastorePreconditionError, DatastoreSpecError } from "../errors.js";
import type { DatastoreCapabilities, DatastoreManager, InstanceLayout, PrepareSpec, RestoreSpec, ServerSettings, ServiceHealth } from "../manager.js";
import { ADMIN_USER, renderAclFile } from "./acl.js";
import * as admin from "./admin.js";
import { readAdminPassword, withAdminSession, writeAdminPassword, type AdminSession } from "./admin-session.js";
import { ensureServerDirs, startServer, stopServer } from "./app.js";
import { backupServer } from "./backup.js";
import { estimateBackupBytes } from "./backup-estimate.js";
import { applyFence, configureServer, pendingRestart, renderInstanceConfig, restoreFence } from "./configure.js";
import { assertRunnableAccount, createInstanceContext } from "./context.js";
import { dataDirState } from "./data-dir.js";
import { DEFAULT_LOG_CAPS, type LogCaps } from "./error-log.js";
import { configGet } from "./live-config.js";
import { createRedisLogs } from "./logs.js";
import { checkLayout } from "./paths.js";
import { clearForRestore, restoreDataDir } from "./restore.js";
import { inspectServer } from "./server-process.js";
import { readState, writeState } from "./state.js";
import { probeServer } from "./status.js";

/** Tuning knobs of the manager; the defaults suit production. */
export interface RedisManagerOptions {
  /** Parent logger; the manager adds {component, instanceId}. Silent when absent. */
  logger?: Logger;
  /** How long a start may take: loading a large AOF after a crash takes a while. */
  startTimeoutSeconds?: number;
  /** How long SHUTDOWN (which saves the RDB) may take before the server is killed. */
  stopTimeoutSeconds?: number;
  /** The nft command that fences clients by address (allowedCidrs); tests point it elsewhere. */
  nft?: string;
  /** Log size limits (10 MiB a file, 100 MiB and 10% of the log filesystem in all by default). */
  logCaps?: Partial<LogCaps>;
}

/** What Redis offers beyond the lifecycle: users and root only. */
export const REDIS_CAPABILITIES: DatastoreCapabilities = Object.freeze({ databases: false, userHosts: false, grants: false });

/**
 * Builds the manager of one Redis instance. Cheap and side-effect free: nothing is checked or
 * touched until an operation runs. Lifecycle operations, account changes, configure and the slow
 * log switch run one at a time, in call order; probe, volumeUsedBytes, listUsers, rootEnabled,
 * effectiveParameters and the log reads and rotation run alongside them.
 */
export function createRedisManager(layout: InstanceLayout, options: RedisManagerOptions = {}): DatastoreManager {
  const ctx = createInstanceContext(layout, options.logger ?? pino({ level: "silent" }));
  const { paths } = ctx;
  const startTimeout = options.startTimeoutSeconds ?? 300;
  const stopTimeout = options.stopTimeoutSeconds ?? 120;
  const serial = createSerialQueue();
  // Whether the server should be running, so probe can tell CRASHED from SHUTDOWN. In memory only:
  // after an agent restart it is unknown until an operation sets it or a probe first sees the
  // server up (a server found running was meant to run).
  let wantRunning: boolean | undefined;
  // Administrative calls carry no signal in the interface; their commands are bounded by timeouts.
  const unbounded = new AbortController().signal;
  const withAdmin = <T>(fn: (session: AdminSession) => Promise<T>): Promise<T> => withAdminSession(ctx, unbounded, fn);
  const nft = options.nft ?? "nft";
  // Whether the running server differs from its redis.conf on a parameter read at start only,
  // cached so the probe stays a PING: false after a start that spawned the server (it read the
  // file), computed at configure and when a running server is adopted, undefined until known
  // (the probe then asks once), "unknown" when asking failed. `generation` keeps a probe's late
  // answer from overwriting a newer one.
  let restartPending: boolean | "unknown" | undefined;
  let generation = 0;
  const knowPending = (value: typeof restartPending): void => {
    generation += 1;
    restartPending = value;
  };
  const askPending = async (signal: AbortSignal): Promise<boolean | "unknown"> => {
    try {
      const names = await pendingRestart(ctx, signal);
      if (names.length > 0) ctx.logger.info({ parameters: names }, "redis runs with parameters a restart would change");
      return names.length > 0;
    } catch (err) {
      ctx.logger.warn({ reason: err instanceof Error ? err.message : String(err) }, "could not tell whether redis needs a restart");
      return "unknown";
    }
  };
  /** startServer, noting whether the server read the current redis.conf (spawned) or was already running (adopted). */
  const startTracked = async (signal: AbortSignal, password?: string): Promise<"spawned" | "adopted"> => {
    const adopted = (await inspectServer(paths)).kind === "alive";
    await startServer(ctx, startTimeout, signal, password);
    knowPending(adopted ? undefined : false);
    return adopted ? "adopted" : "spawned";
  };

  const checkRunnable = (): void => {
    checkLayout(layout, paths);
    assertRunnableAccount(ctx);
  };

  const start = async (signal: AbortSignal): Promise<void> => {
    signal.throwIfAborted();
    checkRunnable();
    await restoreFence(ctx, nft); // before the server listens: a rebooted host lost the table
    wantRunning = true;
    if ((await startTracked(signal)) === "adopted") knowPending(await askPending(signal));
  };

  const stop = async (signal: AbortSignal): Promise<void> => {
    signal.throwIfAborted();
    wantRunning = false;
    await stopServer(ctx, stopTimeout, signal);
    knowPending(undefined);
  };

  const prepare = async (spec: PrepareSpec, signal: AbortSignal): Promise<void> => {
    signal.throwIfAborted();
    checkPrepareSpec(spec);
    checkRunnable();
    const began = performance.now();
    const settings = serverSettingsOf(spec); // the state file must never hold the spec's passwords
    const previousState = await readState(ctx);
    const agentState = { ...previousState, settings };
    const config = renderInstanceConfig(ctx, settings, agentState); // before anything is written: throws on a bad flavor or parameter
    let state = await dataDirState(ctx);
    if (state === "foreign") {
      throw new DatastorePreconditionError(`${paths.dataDir} holds files Hoard did not write; refusing to overwrite them`);
    }
    // Before the server first listens. Without CIDRs now or before there is no table to touch,
    // and a fresh instance need not wait for nft.
    if (settings.allowedCidrs.length > 0 || (previousState.settings?.allowedCidrs.length ?? 0) > 0) await applyFence(ctx, settings.allowedCidrs, nft);
    if (state === "interrupted") {
      // An earlier prepare was cut short. Nobody has been given this instance yet, so it holds no
      // user data: start over rather than trust files that may never have reached the disk.
      ctx.logger.warn("redis data directory left by an interrupted prepare; starting over");
      await stopServer(ctx, stopTimeout, signal);
      await rm(paths.dataDir, { recursive: true, force: true });
      state = "empty";
    }
    await ensureServerDirs(ctx);
    const fresh = state === "empty";
    let filesMs = 0;
    if (fresh) {
      // Everything the server needs is on disk before it starts, users included: no ACL round trips.
      // Written side by side: the fsyncs share journal commits. Any subset left by a crash reads as "interrupted".
      await Promise.all([
        writeAdminPassword(ctx, spec.adminPassword),
        writeOwnedFile(paths.aclFile, renderAclFile({ name: ADMIN_USER, password: spec.adminPassword }, spec.users), ctx.switchTo),
        writeOwnedFile(paths.configFile, config, ctx.switchTo),
        writeState(ctx, agentState),
      ]);
      filesMs = performance.now() - began;
      wantRunning = true;
      await startTracked(signal);
    } else {
      // A repeated prepare: apply the configuration, then converge the accounts on the spec.
      const stored = await readAdminPassword(ctx);
      const current = stored ?? spec.adminPassword;
      const changed = await writeOwnedFile(paths.configFile, config, ctx.switchTo);
      await writeState(ctx, agentState);
      filesMs = performance.now() - began;
      wantRunning = true;
      if (changed && (await inspectServer(paths)).kind === "alive") await stopServer(ctx, stopTimeout, signal);
      await startTracked(signal, current);
      await withAdminSession(
        ctx,
        signal,
        async (session) => {
          await admin.rotateAdminPassword(session, current, spec.adminPassword, (next) => writeAdminPassword(ctx, next));
          if (stored === undefined) await writeAdminPassword(ctx, spec.adminPassword);
          await admin.ensureUsers(session, spec.users);
        },
        { password: current },
      );
    }
    const startedMs = performance.now() - began;
    await writeOwnedFile(paths.preparedMarker, `${JSON.stringify({ preparedAt: new Date().toISOString() })}\n`, ctx.switchTo);
    ctx.logger.info(
      { filesMs: Math.round(filesMs), startedMs: Math.round(startedMs), totalMs: Math.round(performance.now() - began), fresh, users: spec.users.length },
      "redis prepared",
    );
  };

  const restore = async (data: Readable, spec: RestoreSpec, signal: AbortSignal): Promise<void> => {
    signal.throwIfAborted();
    const problem = checkPassword(spec.adminPassword);
    if (problem) throw new DatastoreSpecError(`adminPassword: ${problem}`);
    checkRunnable();
    const began = performance.now();
    const settings = serverSettingsOf(spec);
    const agentState = { settings };
    const config = renderInstanceConfig(ctx, settings, agentState); // before anything is written: throws on a bad flavor or parameter
    const previousCidrs = (await readState(ctx)).settings?.allowedCidrs ?? [];
    await clearForRestore(ctx, stopTimeout, signal);
    wantRunning = true;
    const undoStop = (): Promise<void> => stopServer(ctx, stopTimeout, new AbortController().signal);
    await restoreOrUndo(paths.dataDir, ctx.logger, undoStop, async () => {
      if (settings.allowedCidrs.length > 0 || previousCidrs.length > 0) await applyFence(ctx, settings.allowedCidrs, nft);
      await restoreDataDir(ctx, data, config, spec.adminPassword, signal);
      const extractedMs = performance.now() - began;
      await Promise.all([writeAdminPassword(ctx, spec.adminPassword), writeState(ctx, agentState)]);
      await startTracked(signal);
      await writeOwnedFile(paths.preparedMarker, `${JSON.stringify({ preparedAt: new Date().toISOString(), restored: true })}\n`, ctx.switchTo);
      ctx.logger.info({ extractedMs: Math.round(extractedMs), totalMs: Math.round(performance.now() - began) }, "redis restored from a backup");
    }).catch((err: unknown) => {
      wantRunning = false;
      throw err;
    });
  };

  const configure = async (settings: ServerSettings, signal: AbortSignal): Promise<{ restartRequired: boolean }> => {
    signal.throwIfAborted();
    checkRunnable();
    if (!(await exists(paths.preparedMarker))) throw new DatastorePreconditionError("redis is not prepared: configure needs a prepared instance");
    const { running, pending } = await configureServer(ctx, serverSettingsOf(settings), signal, nft);
    knowPending(running ? pending.length > 0 : undefined);
    return { restartRequired: running && pending.length > 0 };
  };

  return {
    capabilities: REDIS_CAPABILITIES,
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
      if (health.state !== "HEALTHY") return health;
      if (restartPending === undefined) {
        const asked = generation;
        const answer = await askPending(unbounded);
        if (asked === generation) knowPending(answer);
      }
      return restartPending === true ? { state: "HEALTHY", restartPending: true } : health;
    },
    volumeUsedBytes: () => diskUsageBytes(paths.dataDir),
    configure: (settings, signal) => serial(() => configure(settings, signal)),
    effectiveParameters: async (names) => {
      // CONFIG GET takes glob patterns: only plain names go to the server, each asked for itself.
      const plain = [...new Set(names)].filter((name) => /^[A-Za-z0-9_-]+$/.test(name));
      const values = await withAdmin((session) => configGet(session, plain));
      return Object.fromEntries(plain.flatMap((name) => (values.has(name.toLowerCase()) ? [[name, values.get(name.toLowerCase()) ?? ""]] : [])));
    },
    logs: createRedisLogs(ctx, serial, { ...DEFAULT_LOG_CAPS, ...options.logCaps }),
    backups: {
      backup: (signal) => backupServer(ctx, signal),
      estimateFullBytes: () => estimateBackupBytes(ctx),
      restore: (data, spec, signal) => serial(() => restore(data, spec, signal)),
    },

    listDatabases: async () => admin.noDatabases(),
    createDatabase: async () => admin.noDatabases(),
    deleteDatabase: async () => admin.noDatabases(),
    grantAccess: async () => admin.noGrants(),
    revokeAccess: async () => admin.noGrants(),
    listUsers: () => withAdmin((session) => admin.listUsers(session)),
    createUser: (spec) => serial(() => withAdmin((session) => admin.createUser(session, spec))),
    deleteUser: (name, host) => serial(() => withAdmin((session) => admin.deleteUser(session, name, host))),
    updateUser: (name, host, changes) => serial(() => withAdmin((session) => admin.updateUser(session, name, host, changes))),
    enableRoot: (password) => serial(() => withAdmin((session) => admin.enableRoot(session, password))),
    rootEnabled: () => withAdmin((session) => admin.rootEnabled(session)),
    disableRoot: () => serial(() => withAdmin((session) => admin.disableRoot(session))),
  };
}

/**
 * Throws DatastoreSpecError for anything Redis cannot take: databases (it has none), bad user
 * names, passwords or hosts, a user twice. The flavor is checked when the settings are derived.
 */
export function checkPrepareSpec(spec: PrepareSpec): void {
  if (spec.databases.length > 0) throw new DatastoreSpecError(`${admin.NO_DATABASES}; the spec must not list any`);
  const problem = checkPassword(spec.adminPassword);
  if (problem) throw new DatastoreSpecError(`adminPassword: ${problem}`);
  const seen = new Set<string>();
  for (const user of spec.users) {
    admin.checkUserSpec(user);
    if (seen.has(user.name)) throw new DatastoreSpecError(`user ${JSON.stringify(user.name)} is listed twice`);
    seen.add(user.name);
  }
}

/** Only the server settings of a prepare spec (its passwords stay out of the state file). */
function serverSettingsOf(spec: ServerSettings): ServerSettings {
  return { ramMb: spec.ramMb, vcpus: spec.vcpus, parameters: { ...spec.parameters }, allowedCidrs: [...spec.allowedCidrs] };
}
