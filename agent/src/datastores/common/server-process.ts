// Whether a pid really is this instance's server: pids are reused, and a killed server lingers as a
// zombie until reaped, so `kill -0` alone cannot tell. Every engine's server chdirs into its data
// directory, so /proc/<pid>/cwd says which instance a process serves.
import { readFile, readdir, readlink, realpath } from "node:fs/promises";

/** absent: no pid file; stale: a pid file naming no live server of this directory; alive: running. */
export type ServerState = { kind: "absent" } | { kind: "stale"; pid: number } | { kind: "alive"; pid: number };

/** Parses a pid file holding just the pid; undefined when it is missing or half-written. */
export async function readPidFile(pidFile: string): Promise<number | undefined> {
  const text = await readFile(pidFile, "utf8").catch(() => undefined);
  const pid = Number(text?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Reads `pidFile` and checks the process it names against `dataDir`. */
export async function inspectPidFile(pidFile: string, dataDir: string): Promise<ServerState> {
  const pid = await readPidFile(pidFile);
  if (pid === undefined) return { kind: "absent" }; // missing or mid-write
  return (await isServerOf(pid, dataDir)) ? { kind: "alive", pid } : { kind: "stale", pid };
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

/**
 * Pids of live processes whose cwd is `dir` and whose executable is `exe` (both already resolved
 * with realpath). Callers check procAvailable first; rejects when /proc cannot be listed.
 */
export async function processesIn(dir: string, exe: string): Promise<number[]> {
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

let procChecked: boolean | undefined;

/** Whether this host has a /proc the checks above can read; looked up once. */
export async function procAvailable(): Promise<boolean> {
  procChecked ??= await readlink("/proc/self/cwd").then(
    () => true,
    () => false,
  );
  return procChecked;
}
