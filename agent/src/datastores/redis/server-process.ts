// The redis-server pid file and processes, checked with ../common/server-process.ts (redis-server
// chdirs to its `dir`, the data directory, so /proc/<pid>/cwd tells which instance it serves).
import { realpath } from "node:fs/promises";
import { inspectPidFile, processesIn, procAvailable, type ServerState } from "../common/server-process.js";
import type { RedisPaths } from "./paths.js";

/** Reads the pid file and checks the process it names. */
export async function inspectServer(paths: RedisPaths): Promise<ServerState> {
  return inspectPidFile(paths.pidFile, paths.dataDir);
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
  return processesIn(dir, exe).catch(() => []);
}
