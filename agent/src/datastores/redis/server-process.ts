// What the pid file says and whether it is true: is the process it names alive, and is it really
// this instance's redis-server (pids are reused; a killed server may linger as a zombie).
import { readFile, readlink, readdir, realpath } from "node:fs/promises";
import type { RedisPaths } from "./paths.js";

/** absent: no pid file; stale: a pid file naming no live server of this instance; alive: running. */
export type ServerState = { kind: "absent" } | { kind: "stale"; pid: number } | { kind: "alive"; pid: number };

/** Reads the pid file and checks the process it names. */
export async function inspectServer(paths: RedisPaths): Promise<ServerState> {
  const text = await readFile(paths.pidFile, "utf8").catch(() => undefined);
  const pid = Number(text?.trim());
  if (text === undefined || !Number.isInteger(pid) || pid <= 0) return { kind: "absent" }; // missing or mid-write
  return (await isServerOf(pid, paths.dataDir)) ? { kind: "alive", pid } : { kind: "stale", pid };
}

/**
 * True when `pid` is a live process working in `dataDir` (redis-server chdirs to its `dir`).
 * `kill -0` alone is not enough: it succeeds for zombies and for an unrelated process that got
 * the pid. Without /proc, `kill -0` is all we have.
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

/**
 * Pids of live redis-server processes working in this instance's data directory, whatever the pid
 * file says: finds a server whose pid file was removed under it, so start adopts it instead of
 * failing on a busy port.
 */
export async function findServerProcesses(paths: RedisPaths): Promise<number[]> {
  if (!(await procAvailable())) return [];
  const [dir, exe] = await Promise.all([realpath(paths.dataDir), realpath(paths.server)]).catch(() => ["", ""]);
  if (!dir || !exe) return [];
  const entries = await readdir("/proc").catch(() => []);
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

let procChecked: boolean | undefined;
async function procAvailable(): Promise<boolean> {
  procChecked ??= await readlink("/proc/self/cwd").then(
    () => true,
    () => false,
  );
  return procChecked;
}
