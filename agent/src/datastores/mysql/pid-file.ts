// What the server's pid file says and whether it is true: is the process it names alive, and is it
// really this instance's server (pids are reused; a killed server lingers as a zombie until reaped).
// The server chdirs into its data directory, so /proc/<pid>/cwd tells which instance a process serves.
import { readFile, readdir, readlink, realpath, rm } from "node:fs/promises";
import type { MysqlPaths } from "./paths.js";

/** absent: no pid file; stale: a pid file naming no live server of this directory; alive: running. */
export type ServerState = { kind: "absent" } | { kind: "stale"; pid: number } | { kind: "alive"; pid: number };

/** Parses the pid file; undefined when it is missing or half-written. */
export async function readPidFile(pidFile: string): Promise<number | undefined> {
  const text = await readFile(pidFile, "utf8").catch(() => undefined);
  const pid = Number(text?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Reads the pid file and checks the process it names. */
export async function inspectServer(paths: MysqlPaths): Promise<ServerState> {
  const pid = await readPidFile(paths.pidFile);
  if (pid === undefined) return { kind: "absent" };
  return (await isServerOf(pid, paths.dataDir)) ? { kind: "alive", pid } : { kind: "stale", pid };
}

/**
 * True when `pid` is a live process working in `dataDir`. `kill -0` alone is not enough: it succeeds
 * for zombies and for an unrelated process that got the pid. Without /proc, `kill -0` is all we have.
 */
export async function isServerOf(pid: number, dataDir: string): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false; // ESRCH: gone; EPERM: another account's process, so not our server
  }
  if (!(await procAvailable())) return true;
  try {
    const [cwd, dir] = await Promise.all([readlink(`/proc/${pid}/cwd`), realpath(dataDir)]);
    return cwd === dir;
  } catch (err) {
    // ENOENT: exited or a zombie. EACCES: we cannot look, but kill -0 said it is ours to signal.
    return (err as NodeJS.ErrnoException).code === "EACCES";
  }
}

/** Pids of live processes running `serverBinary` in `dataDir`, whether or not a pid file names them. */
export async function findServerProcesses(dataDir: string, serverBinary: string): Promise<number[]> {
  if (!(await procAvailable())) return [];
  const [dir, exe] = await Promise.all([realpath(dataDir).catch(() => dataDir), realpath(serverBinary).catch(() => serverBinary)]);
  const entries = await readdir("/proc");
  const found = await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        try {
          const [cwd, binary] = await Promise.all([readlink(`/proc/${name}/cwd`), readlink(`/proc/${name}/exe`)]);
          return cwd === dir && binary === exe ? Number(name) : undefined;
        } catch {
          return undefined;
        }
      }),
  );
  return found.filter((pid): pid is number => pid !== undefined);
}

/** Removes what a killed server leaves behind: the pid file and the socket file. */
export async function clearStaleFiles(paths: MysqlPaths): Promise<void> {
  await rm(paths.pidFile, { force: true });
  await rm(paths.socketPath, { force: true });
}

let procChecked: boolean | undefined;
async function procAvailable(): Promise<boolean> {
  procChecked ??= await readlink("/proc/self/cwd").then(
    () => true,
    () => false,
  );
  return procChecked;
}
