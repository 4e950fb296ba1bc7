// The MySQL-family server's pid file and processes, checked with ../common/server-process.ts (the
// server chdirs into its data directory, so /proc/<pid>/cwd tells which instance a process serves).
import { realpath, rm } from "node:fs/promises";
import { inspectPidFile, processesIn, procAvailable, type ServerState } from "../common/server-process.js";
import type { MysqlPaths } from "./paths.js";

/** Reads the pid file and checks the process it names. */
export async function inspectServer(paths: MysqlPaths): Promise<ServerState> {
  return inspectPidFile(paths.pidFile, paths.dataDir);
}

/** Pids of live processes running `serverBinary` in `dataDir`, whether or not a pid file names them. */
export async function findServerProcesses(dataDir: string, serverBinary: string): Promise<number[]> {
  if (!(await procAvailable())) return [];
  const [dir, exe] = await Promise.all([realpath(dataDir).catch(() => dataDir), realpath(serverBinary).catch(() => serverBinary)]);
  return processesIn(dir, exe);
}

/** Removes what a killed server leaves behind: the pid file and the socket file. */
export async function clearStaleFiles(paths: MysqlPaths): Promise<void> {
  await rm(paths.pidFile, { force: true });
  await rm(paths.socketPath, { force: true });
}
