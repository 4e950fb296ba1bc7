// Every file name the PostgreSQL manager derives from an instance layout, computed in one place so
// the process, config, probe and template code never disagree about where things are.
import { dirname, join } from "node:path";
import { checkLayoutDirs, checkPort, checkSocketPath } from "../common/layout-checks.js";
import { DatastoreSpecError } from "../errors.js";
import type { InstanceLayout } from "../manager.js";

/** Superuser created by initdb and used only by the agent, over the unix socket. */
export const ADMIN_ROLE = "postgres";

/** Paths of one instance; see resolvePaths. */
export interface PostgresqlPaths {
  dataDir: string;
  runDir: string;
  logDir: string;
  pidFile: string;
  socketPath: string;
  socketLockFile: string;
  /** pg_ctl -l target: only the lines the postmaster prints before its log collector starts. */
  startupLog: string;
  /** Written last by prepare; its presence is what isPrepared reports. */
  preparedMarker: string;
  /** The agent's memory of the instance (agent-state.ts). */
  agentState: string;
  /** Written by the server: which log file it writes now. */
  currentLogfiles: string;
  postgresqlConf: string;
  hoardConf: string;
  hbaConf: string;
  identConf: string;
  /**
   * Where archive_command leaves each finished WAL file for the agent to ship (wal-shipper.ts): on
   * the volume beside the data directory, so the copy never crosses file systems and a base backup
   * (of the data directory) never holds it. Archiving keeps WAL only while this directory exists.
   */
  walSpoolDir: string;
  /** Where a point-in-time restore puts the source's archived WAL for restore_command; removed after. */
  walRestoreDir: string;
  /** Present while the server replays archived WAL (PostgreSQL removes it at promotion). */
  recoverySignal: string;
  bin(name: "initdb" | "pg_ctl" | "postgres" | "pg_basebackup" | "pg_verifybackup"): string;
}

/** Derives the instance's paths from its layout. Pure: checks nothing on disk. */
export function resolvePaths(layout: InstanceLayout): PostgresqlPaths {
  const socketPath = join(layout.runDir, `.s.PGSQL.${layout.port}`);
  return {
    dataDir: layout.dataDir,
    runDir: layout.runDir,
    logDir: layout.logDir,
    pidFile: join(layout.dataDir, "postmaster.pid"),
    socketPath,
    socketLockFile: `${socketPath}.lock`,
    startupLog: join(layout.logDir, "startup.log"),
    preparedMarker: join(layout.dataDir, "hoard-prepared.json"),
    agentState: join(layout.dataDir, "hoard-state.json"),
    currentLogfiles: join(layout.dataDir, "current_logfiles"),
    postgresqlConf: join(layout.dataDir, "postgresql.conf"),
    hoardConf: join(layout.dataDir, "hoard.conf"),
    hbaConf: join(layout.dataDir, "pg_hba.conf"),
    identConf: join(layout.dataDir, "pg_ident.conf"),
    walSpoolDir: join(dirname(layout.dataDir), "wal-spool"),
    walRestoreDir: join(dirname(layout.dataDir), "wal-restore"),
    recoverySignal: join(layout.dataDir, "recovery.signal"),
    bin: (name) => join(layout.binDir, name),
  };
}

/**
 * Rejects layouts PostgreSQL would only reject later with a vaguer message: a socket path over the
 * sun_path limit, relative directories, characters that cannot be written into postgresql.conf.
 */
export function checkLayout(layout: InstanceLayout, paths: PostgresqlPaths): void {
  checkSocketPath(paths.socketPath);
  const { dataDir, runDir, logDir, binDir, cacheDir } = layout;
  // unix_socket_directories is a comma-separated list, and no setting may span lines.
  checkLayoutDirs({ dataDir, runDir, logDir, binDir, cacheDir }, /[\0\n\r,]/, "a character PostgreSQL cannot take");
  checkPort(layout.port);
  if (!/^[0-9A-Za-z.:*_-]+$/.test(layout.host)) {
    throw new DatastoreSpecError(`layout.host ${JSON.stringify(layout.host)} is not an address PostgreSQL can listen on`);
  }
}
