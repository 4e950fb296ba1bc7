// The PostgreSQL server process: start, stop and reload through pg_ctl, as the server's account.
// pg_ctl daemonizes the postmaster in its own session, so the server outlives the agent: the agent
// and the control plane can restart while databases keep serving.
import { setTimeout as sleep } from "node:timers/promises";
import { ensureInstanceDirs } from "../common/host-fs.js";
import { readTail, trimStartupLog } from "../common/log-files.js";
import { isServerOf } from "../common/server-process.js";
import { DatastoreEngineError } from "../errors.js";
import type { InstanceContext } from "./context.js";
import { runCommand } from "./exec.js";
import { clearStalePostmaster, inspectPostmaster, readPostmasterPid } from "./postmaster.js";
import { assertInitialised } from "./template.js";

const READY_POLL_MS = 10;
const IMMEDIATE_STOP_TIMEOUT_S = 30;

/** Gives the server's account its directories, with the modes PostgreSQL insists on. */
export async function ensureServerDirs(ctx: InstanceContext): Promise<void> {
  await ensureInstanceDirs(ctx.paths, ctx.switchTo);
}

/**
 * Starts the server unless it already runs, and resolves once it accepts connections. A pid file
 * left by a killed postmaster is cleared first. pg_ctl -w only looks every 100 ms, so we also watch
 * postmaster.pid ourselves and return as soon as it says "ready", usually ~80 ms earlier; pg_ctl
 * still owns the timeout and reports a postmaster that died while starting. `serverOptions` go to
 * the postmaster's command line (pg_ctl -o, read by a shell: quote each word).
 */
export async function startServer(ctx: InstanceContext, timeoutSeconds: number, signal: AbortSignal, serverOptions?: string): Promise<void> {
  const { paths } = ctx;
  await assertInitialised(paths.dataDir);
  await ensureServerDirs(ctx);
  let state = await inspectPostmaster(paths);
  if (state.kind === "alive" && state.status === "stopping") {
    await waitForExit(ctx, state.pid, timeoutSeconds, signal); // a stop in progress: start after it
    state = await inspectPostmaster(paths);
  }
  if (state.kind === "alive") {
    await waitForReadyWithin(ctx, timeoutSeconds, signal); // already running, maybe still recovering
    return;
  }
  if (state.kind === "stale") {
    ctx.logger.warn({ pid: state.pid }, "postgresql left a stale postmaster.pid; clearing it");
    await clearStalePostmaster(paths, paths.bin("postgres"));
  }
  await trimStartupLog(ctx.paths.startupLog); // pg_ctl's -l file

  const startedAfter = Math.floor(Date.now() / 1000);
  const pgCtlAbort = new AbortController();
  const follow = (): void => pgCtlAbort.abort(signal.reason);
  signal.addEventListener("abort", follow, { once: true });
  const stopPolling = new AbortController();
  const pgCtl = runCommand(
    paths.bin("pg_ctl"),
    [
      "start",
      "--pgdata",
      paths.dataDir,
      "--log",
      paths.startupLog,
      "--wait",
      "--timeout",
      String(timeoutSeconds),
      "--silent",
      // Settings for this run only (a point-in-time restore's recovery target): no file holds them.
      ...(serverOptions ? ["-o", serverOptions] : []),
    ],
    { account: ctx.switchTo, signal: pgCtlAbort.signal, detached: true, label: "pg_ctl start" },
  );
  const ready = waitForReady(ctx, startedAfter, AbortSignal.any([signal, stopPolling.signal]));
  pgCtl.catch(() => {}); // observed by the race below, or deliberately cut short
  ready.catch(() => {});
  try {
    await Promise.race([pgCtl, ready]);
  } catch (err) {
    signal.throwIfAborted();
    throw await withStartupLog(ctx, err);
  } finally {
    signal.removeEventListener("abort", follow);
    stopPolling.abort();
    // When our poll won, pg_ctl is still in its own wait: end it. The postmaster is in a session of
    // its own by now, so this cannot touch the server.
    pgCtlAbort.abort(new Error("server ready"));
  }
}

/** Fast shutdown (disconnects clients, checkpoints); escalates to immediate when that times out. No-op when stopped. */
export async function stopServer(ctx: InstanceContext, timeoutSeconds: number, signal: AbortSignal): Promise<void> {
  const { paths } = ctx;
  if ((await inspectPostmaster(paths)).kind !== "alive") return;
  const stop = (mode: "fast" | "immediate", seconds: number): Promise<unknown> =>
    runCommand(
      paths.bin("pg_ctl"),
      ["stop", "--pgdata", paths.dataDir, "--mode", mode, "--wait", "--timeout", String(seconds), "--silent"],
      { account: ctx.switchTo, signal, label: `pg_ctl stop -m ${mode}` },
    );
  try {
    await stop("fast", timeoutSeconds);
  } catch (err) {
    signal.throwIfAborted();
    if ((await inspectPostmaster(paths)).kind !== "alive") return; // it stopped after all
    ctx.logger.warn({ err }, "postgresql fast shutdown failed; trying immediate");
    await stop("immediate", IMMEDIATE_STOP_TIMEOUT_S);
  }
}

/** Makes a running server re-read its configuration files (pg_hba.conf, reloadable settings). */
export async function reloadServer(ctx: InstanceContext, signal: AbortSignal): Promise<void> {
  const { paths } = ctx;
  await runCommand(paths.bin("pg_ctl"), ["reload", "--pgdata", paths.dataDir, "--silent"], {
    account: ctx.switchTo,
    signal,
    label: "pg_ctl reload",
  });
}

/** waitForReady for a server someone else started, bounded by the start timeout. */
async function waitForReadyWithin(ctx: InstanceContext, timeoutSeconds: number, signal: AbortSignal): Promise<void> {
  // A timer and a controller, not AbortSignal.timeout: inside AbortSignal.any, Node 20 may
  // garbage-collect the timeout signal so it never fires (nodejs/node#57736).
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error("timed out")), timeoutSeconds * 1000);
  try {
    await waitForReady(ctx, 0, AbortSignal.any([signal, timeout.signal]));
  } catch (err) {
    signal.throwIfAborted();
    throw new DatastoreEngineError(`PostgreSQL is running but not ready after ${timeoutSeconds} s`, "", { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when `pid` no longer runs this instance's server. */
async function waitForExit(ctx: InstanceContext, pid: number, timeoutSeconds: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (await isServerOf(pid, ctx.paths.dataDir)) {
    if (Date.now() > deadline) throw new DatastoreEngineError(`PostgreSQL is still shutting down after ${timeoutSeconds} s`);
    await sleep(READY_POLL_MS * 5, undefined, { signal });
  }
}

/** Resolves when postmaster.pid names a live postmaster started at or after `startedAfter` that is ready. */
async function waitForReady(ctx: InstanceContext, startedAfter: number, signal: AbortSignal): Promise<void> {
  const { paths } = ctx;
  for (;;) {
    const info = await readPostmasterPid(paths.pidFile);
    // pg_ctl allows the same 2 s of clock slack between its clock and the postmaster's record.
    if (info && info.startedAt >= startedAfter - 2 && (info.status === "ready" || info.status === "standby")) {
      if (await isServerOf(info.pid, paths.dataDir)) return;
    }
    await sleep(READY_POLL_MS, undefined, { signal });
  }
}

/** Adds the end of the startup log to a start failure; its last FATAL line usually says it all. */
async function withStartupLog(ctx: InstanceContext, err: unknown): Promise<unknown> {
  if (!(err instanceof DatastoreEngineError)) return err;
  const tail = await readTail(ctx.paths.startupLog, 4096);
  const fatal = tail
    .split("\n")
    .filter((line) => /\b(FATAL|PANIC|ERROR):/.test(line))
    .at(-1);
  const message = `could not start PostgreSQL${fatal ? `: ${fatal.replace(/^.*?\b(FATAL|PANIC|ERROR):\s*/, "")}` : ""} (see ${ctx.paths.startupLog})`;
  return new DatastoreEngineError(message, `${err.detail}\n--- ${ctx.paths.startupLog} ---\n${tail}`, { cause: err });
}
