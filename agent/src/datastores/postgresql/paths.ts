// Every file name the PostgreSQL manager derives from an instance layout, computed in one place so
// the process, config, probe and template code never disagree about where things are.
import { join } from "node:path";
import type { InstanceLayout } from "../manager.js";
import { DatastoreSpecError } from "./errors.js";

/** sun_path holds 108 bytes including the NUL; PostgreSQL and the pg client refuse longer socket paths. */
export const MAX_SOCKET_PATH_BYTES = 107;

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
  postgresqlConf: string;
  hoardConf: string;
  hbaConf: string;
  identConf: string;
  bin(name: "initdb" | "pg_ctl" | "postgres"): string;
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
    postgresqlConf: join(layout.dataDir, "postgresql.conf"),
    hoardConf: join(layout.dataDir, "hoard.conf"),
    hbaConf: join(layout.dataDir, "pg_hba.conf"),
    identConf: join(layout.dataDir, "pg_ident.conf"),
    bin: (name) => join(layout.binDir, name),
  };
}

/**
 * Rejects layouts PostgreSQL would only reject later with a vaguer message: a socket path over the
 * sun_path limit, relative directories, characters that cannot be written into postgresql.conf.
 */
export function checkLayout(layout: InstanceLayout, paths: PostgresqlPaths): void {
  const bytes = Buffer.byteLength(paths.socketPath);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new DatastoreSpecError(
      `unix socket path ${paths.socketPath} is ${bytes} bytes, over the ${MAX_SOCKET_PATH_BYTES}-byte limit: use a shorter runDir`,
    );
  }
  for (const [field, dir] of Object.entries({
    dataDir: layout.dataDir,
    runDir: layout.runDir,
    logDir: layout.logDir,
    binDir: layout.binDir,
    cacheDir: layout.cacheDir,
  })) {
    if (!dir.startsWith("/")) throw new DatastoreSpecError(`layout.${field} must be an absolute path`);
    // unix_socket_directories is a comma-separated list, and no setting may span lines.
    if (/[\0\n\r,]/.test(dir)) throw new DatastoreSpecError(`layout.${field} contains a character PostgreSQL cannot take`);
  }
  if (!Number.isInteger(layout.port) || layout.port < 1 || layout.port > 65535) {
    throw new DatastoreSpecError(`layout.port ${layout.port} is not a TCP port`);
  }
  if (!/^[0-9A-Za-z.:*_-]+$/.test(layout.host)) {
    throw new DatastoreSpecError(`layout.host ${JSON.stringify(layout.host)} is not an address PostgreSQL can listen on`);
  }
}
