// What the data directory's postmaster.pid says and whether it is true: is the process it names
// alive, and is it really this instance's postmaster (pids are reused; a killed postmaster may linger
// as a zombie). Also clears what a killed postmaster leaves behind, so the next start succeeds.
import { readFile, realpath, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { isServerOf, processesIn, procAvailable } from "../common/server-process.js";
import type { PostgresqlPaths } from "./paths.js";

/** The fields of postmaster.pid the manager uses (see PostgreSQL's pidfile.h for the layout). */
export interface PostmasterPid {
  pid: number;
  /** Seconds since the epoch. */
  startedAt: number;
  /** "starting", "ready", "standby" or "stopping"; empty while the postmaster is writing it. */
  status: string;
}

/** absent: no pid file; stale: a pid file naming no live postmaster of this directory; alive: running. */
export type PostmasterState =
  | { kind: "absent" }
  | { kind: "stale"; pid: number }
  | { kind: "alive"; pid: number; startedAt: number; status: string };

/** Parses postmaster.pid; undefined when it is missing or half-written. */
export async function readPostmasterPid(pidFile: string): Promise<PostmasterPid | undefined> {
  const text = await readFile(pidFile, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const lines = text.split("\n");
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, startedAt: Number(lines[2]), status: (lines[7] ?? "").trim() };
}

/** Reads the pid file and checks the process it names. */
export async function inspectPostmaster(paths: PostgresqlPaths): Promise<PostmasterState> {
  const info = await readPostmasterPid(paths.pidFile);
  if (!info) {
    // Missing, or caught mid-write by a starting postmaster: both read as "not running yet".
    return { kind: "absent" };
  }
  return (await isServerOf(info.pid, paths.dataDir)) ? { kind: "alive", ...info } : { kind: "stale", pid: info.pid };
}

/**
 * After a postmaster was killed: waits for its orphaned children (they notice and exit within
 * moments, but while one still holds the shared memory a new postmaster refuses to start), kills
 * any that linger, and removes the pid file and socket lock, which PostgreSQL would otherwise
 * believe when the recorded pid now belongs to another process or a zombie.
 */
export async function clearStalePostmaster(paths: PostgresqlPaths, postgresBinary: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (let orphans = await findServerProcesses(paths.dataDir, postgresBinary); orphans.length > 0; ) {
    if (Date.now() > deadline) {
      for (const pid of orphans) killQuietly(pid);
    }
    await sleep(20);
    orphans = await findServerProcesses(paths.dataDir, postgresBinary);
  }
  await rm(paths.pidFile, { force: true });
  await rm(paths.socketLockFile, { force: true });
}

/** Pids of live processes running `postgresBinary` in `dataDir`: the server's processes, whoever their parent. */
export async function findServerProcesses(dataDir: string, postgresBinary: string): Promise<number[]> {
  if (!(await procAvailable())) return [];
  const [dir, exe] = await Promise.all([realpath(dataDir), realpath(postgresBinary)]);
  return processesIn(dir, exe);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
