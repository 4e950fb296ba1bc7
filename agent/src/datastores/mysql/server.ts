// The server process: started by the agent as the instance's account, detached into its own
// session so it outlives the agent (the agent and the control plane can restart while databases
// keep serving), stopped with SIGTERM (a normal shutdown) and, past the timeout, SIGKILL.
// The agent supervises; there is no mysqld_safe restarting a crashed server behind its back.
import { spawn, type ChildProcess } from "node:child_process";
import { open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { assertReachable, ensureOwnedDir, exists, fileSize } from "../common/host-fs.js";
import { readTail, trimStartupLog } from "../common/log-files.js";
import { isServerOf } from "../common/server-process.js";
import { DatastoreEngineError } from "../errors.js";
import { runSql, SqlError } from "./client.js";
import type { InstanceContext } from "./context.js";
import { TOOL_ENV } from "./exec.js";
import { rotateLogs } from "./log-rotation.js";
import { clearStaleFiles, findServerProcesses, inspectServer } from "./pid-file.js";
import { SELECT_ONE } from "./queries.js";
import { assertInitialised } from "./template.js";

const READY_POLL_MS = 10;
const KILL_WAIT_MS = 10_000;

/** Gives the server's account its directories (runDir may sit on a tmpfs a reboot empties). */
export async function ensureServerDirs(ctx: InstanceContext): Promise<void> {
  const { paths, switchTo } = ctx;
  await ensureOwnedDir(paths.runDir, switchTo, 0o700);
  await ensureOwnedDir(paths.secureFileDir, switchTo, 0o700);
  await ensureOwnedDir(paths.logDir, switchTo, 0o700);
  await ensureOwnedDir(paths.dataDir, switchTo, 0o700);
  for (const dir of [paths.dataDir, paths.runDir, paths.logDir]) await assertReachable(dir, switchTo);
}

/** Extra options of one start. */
export interface StartOptions {
  /** Pass --init-file (paths.initFile) to this start only. */
  initFile?: boolean;
}

/**
 * Starts the server unless it already runs, and resolves once it accepts connections on its
 * socket. A pid file and socket left by a killed server are cleared first. When the server does
 * not answer within the timeout it is left running (crash recovery may just be slow) and the start
 * fails; when it exits while starting, the error names the first error line of its log.
 */
export async function startServer(ctx: InstanceContext, timeoutSeconds: number, signal: AbortSignal, options: StartOptions = {}): Promise<void> {
  const { paths, switchTo } = ctx;
  await assertInitialised(ctx);
  await ensureServerDirs(ctx);
  const { server } = await ctx.binaries();
  let state = await inspectServer(paths);
  if (state.kind === "absent") {
    const pid = await unlistedServer(ctx); // starting, or its pid file was removed
    if (pid !== undefined) state = { kind: "alive", pid };
  }
  if (state.kind === "alive") {
    await waitForReadyWithin(ctx, timeoutSeconds, signal);
    return;
  }
  if (state.kind === "stale") ctx.logger.warn({ pid: state.pid }, "server left a stale pid file; clearing it");
  await clearStaleFiles(paths);
  await rotateLogs(ctx, undefined); // no server has the files open: a rename is all it takes
  await trimStartupLog(paths.startupLog);
  const errorLogStart = await fileSize(paths.errorLog);

  const args = [`--defaults-file=${paths.optionFile}`, ...(options.initFile ? [`--init-file=${paths.initFile}`] : [])];
  const log = await open(paths.startupLog, "a", 0o600);
  let child: ChildProcess;
  try {
    child = spawn(server, args, {
      cwd: "/",
      env: { ...TOOL_ENV },
      detached: true,
      stdio: ["ignore", log.fd, log.fd],
      ...(switchTo ? { uid: switchTo.uid, gid: switchTo.gid } : {}),
    });
  } finally {
    await log.close();
  }
  const stopPolling = new AbortController();
  const exited = new Promise<never>((_resolve, reject) => {
    child.once("error", (err) => reject(new DatastoreEngineError(`could not run ${server}: ${err.message}`, "", { cause: err })));
    child.once("exit", (code, killedBy) => {
      const status = code === null ? `killed by ${killedBy ?? "a signal"}` : `exit status ${code}`;
      reject(new DatastoreEngineError(`${ctx.flavor.displayName} exited while starting (${status})`));
    });
  });
  const ready = waitForReady(ctx, timeoutSeconds, AbortSignal.any([signal, stopPolling.signal]));
  exited.catch(() => {}); // observed by the race below, or moot once the server is up
  ready.catch(() => {}); // likewise, or cut short once the server exited
  try {
    await Promise.race([ready, exited]);
  } catch (err) {
    signal.throwIfAborted();
    throw await withServerLog(ctx, err, errorLogStart);
  } finally {
    stopPolling.abort();
    child.removeAllListeners("exit");
    child.unref();
  }
}

/** Normal shutdown by SIGTERM; SIGKILL after the timeout (InnoDB recovers at the next start). No-op when stopped. */
export async function stopServer(ctx: InstanceContext, timeoutSeconds: number, signal: AbortSignal): Promise<void> {
  const { paths } = ctx;
  const state = await inspectServer(paths);
  let pid = state.kind === "alive" ? state.pid : undefined;
  if (state.kind === "absent") pid = await unlistedServer(ctx);
  if (pid === undefined) {
    if (state.kind === "stale") await clearStaleFiles(paths);
    return;
  }
  signalQuietly(pid, "SIGTERM");
  if (!(await waitForExit(ctx, pid, timeoutSeconds * 1000, signal))) {
    ctx.logger.warn({ pid, timeoutSeconds }, "server did not shut down in time; killing it");
    signalQuietly(pid, "SIGKILL");
    if (!(await waitForExit(ctx, pid, KILL_WAIT_MS, signal))) {
      throw new DatastoreEngineError(`${ctx.flavor.displayName} (pid ${pid}) survived SIGKILL`);
    }
    await clearStaleFiles(paths);
  }
}

/**
 * Resolves when the server answers SELECT 1 as the admin over its socket. The socket file appears
 * when the server binds it (stale ones were removed before the start), so the client only runs
 * from then on. A statement error other than "cannot connect" also counts: the server is up.
 */
async function waitForReady(ctx: InstanceContext, timeoutSeconds: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    signal.throwIfAborted();
    if (await exists(ctx.paths.socketPath)) {
      const answered = await runSql(ctx, SELECT_ONE, { signal, timeoutMs: 5_000 }).then(
        () => true,
        (err: unknown) => {
          signal.throwIfAborted();
          return !(err instanceof SqlError && err.isConnectionError) && err instanceof SqlError;
        },
      );
      if (answered) return;
    }
    if (Date.now() > deadline) {
      throw new DatastoreEngineError(`${ctx.flavor.displayName} did not accept connections within ${timeoutSeconds} s; it is left running`);
    }
    await sleep(READY_POLL_MS, undefined, { signal });
  }
}

/** waitForReady for a server someone else started. */
async function waitForReadyWithin(ctx: InstanceContext, timeoutSeconds: number, signal: AbortSignal): Promise<void> {
  try {
    await waitForReady(ctx, timeoutSeconds, signal);
  } catch (err) {
    signal.throwIfAborted();
    throw new DatastoreEngineError(`${ctx.flavor.displayName} is running but not ready after ${timeoutSeconds} s`, "", { cause: err });
  }
}

/**
 * A server of this data directory that no pid file names. Only looked for when the socket file
 * exists (a stopped server removes it; a killed one leaves its pid file too), since walking /proc
 * costs a few milliseconds per hundred processes.
 */
async function unlistedServer(ctx: InstanceContext): Promise<number | undefined> {
  if (!(await exists(ctx.paths.socketPath))) return undefined;
  const [pid] = await findServerProcesses(ctx.paths.dataDir, (await ctx.binaries()).server);
  return pid;
}

/** Resolves true when `pid` no longer runs this instance's server, false after `ms`. */
async function waitForExit(ctx: InstanceContext, pid: number, ms: number, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (await isServerOf(pid, ctx.paths.dataDir)) {
    if (Date.now() > deadline) return false;
    await sleep(READY_POLL_MS * 2, undefined, { signal });
  }
  return true;
}

/**
 * Adds what the server logged during this start (error log from `errorLogStart` on, and the
 * startup log) to a start failure; the first [ERROR] line usually says it all (the last is "Aborting").
 */
async function withServerLog(ctx: InstanceContext, err: unknown, errorLogStart: number): Promise<unknown> {
  if (!(err instanceof DatastoreEngineError)) return err;
  const { paths } = ctx;
  const fresh = Math.max(0, (await fileSize(paths.errorLog)) - errorLogStart);
  const errorLog = fresh > 0 ? await readTail(paths.errorLog, Math.min(fresh, 4096)) : "";
  const startupLog = await readTail(paths.startupLog, 2048);
  const firstError = `${errorLog}\n${startupLog}`
    .split("\n")
    .find((line) => /\[ERROR\]|unknown (variable|option)/i.test(line) && !/\]\s*Aborting\s*$/.test(line));
  const reason = firstError ? `: ${firstError.replace(/^.*?\[ERROR\]\s*/, "").trim()}` : "";
  return new DatastoreEngineError(
    `${err.message}${reason} (see ${paths.errorLog})`,
    `${err.detail}\n--- ${paths.errorLog} ---\n${errorLog}\n--- ${paths.startupLog} ---\n${startupLog}`,
    { cause: err },
  );
}

function signalQuietly(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
