// The redis-server process: start and stop, as the server's account. The server runs in the
// foreground of a session of its own (spawned detached, then let go), so it outlives the agent:
// the agent and the control plane can restart while clients keep being served.
import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { access, open, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { CHILD_ENV } from "../common/child-env.js";
import { ensureInstanceDirs, exists, fileSize } from "../common/host-fs.js";
import { readSince, trimStartupLog } from "../common/log-files.js";
import { isServerOf } from "../common/server-process.js";
import { DatastoreEngineError, DatastorePreconditionError } from "../errors.js";
import { connectAdmin, pingAdmin, readAdminPassword } from "./admin-session.js";
import type { InstanceContext } from "./context.js";
import { RespConnectionError, RespError } from "./resp.js";
import { findServerProcesses, inspectServer } from "./server-process.js";

/** redis-server is up within ~10 ms; polling the unix socket (ENOENT until it listens) costs microseconds. */
const READY_POLL_MS = 2;
const EXIT_POLL_MS = 20;
const PING_TIMEOUT_MS = 1_000;
const KILL_WAIT_MS = 10_000;

/**
 * The environment redis-server gets: nothing of the agent's own (no secrets). The shell sets a
 * umask of 077 before exec'ing the server, so every file Redis creates (RDB, AOF, the ACL file
 * ACL SAVE rewrites, its log) is readable by the server's account only.
 */
const SERVER_ENV = CHILD_ENV;
const UMASK_EXEC = 'umask 077 && exec "$0" "$@"';

/** Gives the server's account its data, run and log directories, each 0700. */
export async function ensureServerDirs(ctx: InstanceContext): Promise<void> {
  await ensureInstanceDirs(ctx.paths, ctx.switchTo);
}

/**
 * Starts the server unless it already runs, and resolves once it answers PING as the agent's
 * user (not while it is still loading its dataset). `adminPassword` is the one to try; the stored
 * one when absent. A pid file left by a killed server is cleared first.
 */
export async function startServer(ctx: InstanceContext, timeoutSeconds: number, signal: AbortSignal, adminPassword?: string): Promise<void> {
  const { paths } = ctx;
  if (!(await exists(paths.configFile))) throw new DatastorePreconditionError(`redis is not prepared: ${paths.configFile} is missing`);
  const password = adminPassword ?? (await readAdminPassword(ctx));
  if (password === undefined) throw new DatastorePreconditionError("redis is not prepared: the agent has no credentials for it");
  await ensureServerDirs(ctx);
  const deadline = Date.now() + timeoutSeconds * 1000;

  const state = await inspectServer(paths);
  if (state.kind === "alive") {
    await waitForReady(ctx, password, deadline, signal, () => isServerOf(state.pid, paths.dataDir));
    return;
  }
  if (state.kind === "stale") {
    ctx.logger.warn({ pid: state.pid }, "redis left a stale pid file; clearing it");
    await rm(paths.pidFile, { force: true });
  }
  // A server whose pid file vanished still has its socket; only then is the /proc scan worth it.
  const orphans = (await exists(paths.socketPath)) ? await findServerProcesses(paths) : [];
  if (orphans.length > 0) {
    ctx.logger.warn({ pids: orphans }, "redis is running without its pid file; adopting it");
    await waitForReady(ctx, password, deadline, signal, async () => (await findServerProcesses(paths)).length > 0);
    return;
  }

  await access(paths.server, constants.X_OK).catch(() => {
    throw new DatastorePreconditionError(`redis-server is not installed at ${paths.server}`);
  });
  await trimStartupLog(paths.startupLog);
  const logOffsets = { startup: await fileSize(paths.startupLog), log: await fileSize(paths.logFile) };
  const server = await spawnServer(ctx);
  let exit: string | undefined;
  void server.exited.then((how) => (exit = how));
  try {
    await waitForReady(ctx, password, deadline, signal, async () => exit === undefined);
  } catch (err) {
    signal.throwIfAborted();
    throw await withLogs(ctx, err, { pid: server.pid, exit, offsets: logOffsets });
  }
}

/**
 * Stops the server: SHUTDOWN as the agent's user (AOF flushed, RDB saved); if the save fails,
 * SHUTDOWN NOSAVE (the AOF is still flushed and fsynced); without a usable admin connection,
 * SIGTERM, which Redis treats as SHUTDOWN. A server still running after `timeoutSeconds` is
 * killed: the AOF, fsynced every second, bounds what that loses. No-op when stopped.
 */
export async function stopServer(ctx: InstanceContext, timeoutSeconds: number, signal: AbortSignal): Promise<void> {
  const { paths } = ctx;
  const state = await inspectServer(paths);
  if (state.kind === "stale") await rm(paths.pidFile, { force: true });
  if (state.kind !== "alive") return;
  const deadline = Date.now() + timeoutSeconds * 1000;
  if (!(await shutdownCommand(ctx, timeoutSeconds * 1000))) {
    signalQuietly(state.pid, "SIGTERM");
  }
  if (await waitForExit(ctx, state.pid, deadline, signal)) return;
  ctx.logger.warn({ pid: state.pid, timeoutSeconds }, "redis did not stop in time; killing it");
  signalQuietly(state.pid, "SIGKILL");
  if (!(await waitForExit(ctx, state.pid, Date.now() + KILL_WAIT_MS, signal))) {
    throw new DatastoreEngineError(`redis-server (pid ${state.pid}) survived SIGKILL`);
  }
  await rm(paths.pidFile, { force: true });
}

/** Sends SHUTDOWN (then SHUTDOWN NOSAVE if that is refused); false when no admin connection could be made. */
async function shutdownCommand(ctx: InstanceContext, timeoutMs: number): Promise<boolean> {
  const password = await readAdminPassword(ctx);
  if (password === undefined) return false;
  let conn;
  try {
    conn = await connectAdmin(ctx, password, PING_TIMEOUT_MS * 5);
  } catch (err) {
    ctx.logger.warn({ reason: err instanceof Error ? err.message : String(err) }, "no admin connection to redis; sending SIGTERM");
    return false;
  }
  try {
    for (const args of [["SHUTDOWN"], ["SHUTDOWN", "NOSAVE"]]) {
      try {
        await conn.command(args, { timeoutMs });
        return true; // SHUTDOWN has no reply when it works; this is not reached
      } catch (err) {
        if (err instanceof RespConnectionError && err.code === "ECLOSED") return true; // the server went away: stopping
        if (!(err instanceof RespError)) throw err;
        ctx.logger.warn({ reply: err.message, command: args.join(" ") }, "redis refused to shut down");
      }
    }
    return false;
  } catch (err) {
    ctx.logger.warn({ reason: err instanceof Error ? err.message : String(err) }, "redis SHUTDOWN failed; sending SIGTERM");
    return false;
  } finally {
    conn.close();
  }
}

/** Spawns redis-server detached as the server's account: its pid and a promise of how it exited. */
async function spawnServer(ctx: InstanceContext): Promise<{ pid: number | undefined; exited: Promise<string> }> {
  const { paths, switchTo } = ctx;
  const out = await open(paths.startupLog, "a", 0o600);
  try {
    const child = spawn("/bin/sh", ["-c", UMASK_EXEC, paths.server, paths.configFile], {
      cwd: "/",
      env: { ...SERVER_ENV },
      detached: true, // a session of its own: signals to the agent's process group never reach it
      stdio: ["ignore", out.fd, out.fd],
      ...(switchTo ? { uid: switchTo.uid, gid: switchTo.gid } : {}),
    });
    const exited = new Promise<string>((resolve) => {
      child.once("error", (err) => resolve(`could not be started: ${err.message}`));
      child.once("exit", (code, killedBy) => resolve(code === null ? `was killed by ${killedBy ?? "a signal"}` : `exited with status ${code}`));
    });
    child.unref();
    ctx.logger.info({ pid: child.pid }, "redis-server spawned");
    return { pid: child.pid, exited };
  } finally {
    await out.close();
  }
}

/** Polls PING as hoard-admin until it answers; fails early when `running()` says the server is gone. */
async function waitForReady(
  ctx: InstanceContext,
  password: string,
  deadline: number,
  signal: AbortSignal,
  running: () => Promise<boolean>,
): Promise<void> {
  let last = "no answer yet";
  for (;;) {
    signal.throwIfAborted();
    const ping = await pingAdmin(ctx, password, PING_TIMEOUT_MS);
    if (ping.ok) return;
    if (ping.reason === "auth") throw new DatastoreEngineError(`redis is running but ${ping.message}`);
    last = ping.message;
    if (!(await running())) throw new DatastoreEngineError("redis-server exited while starting");
    if (Date.now() > deadline) throw new DatastoreEngineError(`redis is not ready in time (${last})`);
    await sleep(READY_POLL_MS, undefined, { signal });
  }
}

/** True once `pid` no longer runs this instance's server; false at the deadline. */
async function waitForExit(ctx: InstanceContext, pid: number, deadline: number, signal: AbortSignal): Promise<boolean> {
  while (await isServerOf(pid, ctx.paths.dataDir)) {
    if (Date.now() > deadline) return false;
    await sleep(EXIT_POLL_MS, undefined, { signal });
  }
  return true;
}

function signalQuietly(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/**
 * Adds what this redis-server said to a start failure: config errors go to its stdout (the
 * startup log), everything later to its log file, where the last warning-level ("#") line of its
 * pid usually names the cause (a busy port, an unreadable AOF, a bad ACL file).
 */
async function withLogs(
  ctx: InstanceContext,
  err: unknown,
  started: { pid: number | undefined; exit: string | undefined; offsets: { startup: number; log: number } },
): Promise<unknown> {
  if (!(err instanceof DatastoreEngineError)) return err;
  const startup = await readSince(ctx.paths.startupLog, started.offsets.startup, 4096);
  const log = await readSince(ctx.paths.logFile, started.offsets.log, 8192);
  const warnings = log
    .split("\n")
    .filter((line) => line.startsWith(`${started.pid}:`) && / # /.test(line))
    .map((line) => line.slice(line.indexOf(" # ") + 3));
  const said = startup.trim().split("\n").at(-1)?.trim() || warnings.at(-1);
  const how = started.exit ? `redis-server ${started.exit}` : err.message;
  const message = `could not start Redis: ${how}${said ? `: ${said}` : ""} (see ${ctx.paths.logFile})`;
  return new DatastoreEngineError(message, `--- ${ctx.paths.startupLog} ---\n${startup}\n--- ${ctx.paths.logFile} ---\n${log}`, { cause: err });
}
