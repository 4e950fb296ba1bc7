// Every file name the Redis manager derives from an instance layout, in one place so the process,
// config, admin and probe code never disagree about where things are.
//
// Configuration, ACL file and the agent's credential live in the data directory, not the run
// directory: the run directory may be a tmpfs that a reboot empties, and a server that lost its
// configuration, its users or the agent's password could not be started or administered again.
import { join } from "node:path";
import type { InstanceLayout } from "../manager.js";
import { DatastoreSpecError } from "./errors.js";

/** sun_path holds 108 bytes including the NUL; Redis refuses longer unixsocket paths. */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Paths of one instance; see resolvePaths. */
export interface RedisPaths {
  dataDir: string;
  runDir: string;
  logDir: string;
  /** redis.conf, written by the agent on every prepare. */
  configFile: string;
  /** The `aclfile`: users and password hashes, rewritten by ACL SAVE. */
  aclFile: string;
  /** The agent's own ACL user's password, readable by the agent's account only. */
  adminSecret: string;
  /** Written last by prepare; its presence is what isPrepared reports. */
  preparedMarker: string;
  pidFile: string;
  socketPath: string;
  logFile: string;
  /** stdout/stderr of redis-server: what it prints before its logfile is open (config errors). */
  startupLog: string;
  server: string;
}

/** Derives the instance's paths from its layout. Pure: checks nothing on disk. */
export function resolvePaths(layout: InstanceLayout): RedisPaths {
  return {
    dataDir: layout.dataDir,
    runDir: layout.runDir,
    logDir: layout.logDir,
    configFile: join(layout.dataDir, "redis.conf"),
    aclFile: join(layout.dataDir, "users.acl"),
    adminSecret: join(layout.dataDir, "hoard-admin.secret"),
    preparedMarker: join(layout.dataDir, "hoard-prepared.json"),
    pidFile: join(layout.runDir, "redis.pid"),
    socketPath: join(layout.runDir, "redis.sock"),
    logFile: join(layout.logDir, "redis.log"),
    startupLog: join(layout.logDir, "redis-startup.log"),
    server: join(layout.binDir, "redis-server"),
  };
}

/**
 * Rejects layouts Redis would only reject later with a vaguer message: a socket path over the
 * sun_path limit, relative directories, characters that cannot be written into redis.conf.
 */
export function checkLayout(layout: InstanceLayout, paths: RedisPaths): void {
  const bytes = Buffer.byteLength(paths.socketPath);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new DatastoreSpecError(
      `unix socket path ${paths.socketPath} is ${bytes} bytes, over the ${MAX_SOCKET_PATH_BYTES}-byte limit: use a shorter runDir`,
    );
  }
  for (const [field, dir] of Object.entries({ dataDir: layout.dataDir, runDir: layout.runDir, logDir: layout.logDir, binDir: layout.binDir })) {
    if (!dir.startsWith("/")) throw new DatastoreSpecError(`layout.${field} must be an absolute path`);
    if (/[\0-\x1f\x7f]/.test(dir)) throw new DatastoreSpecError(`layout.${field} contains a control character`);
  }
  if (!Number.isInteger(layout.port) || layout.port < 1 || layout.port > 65535) {
    throw new DatastoreSpecError(`layout.port ${layout.port} is not a TCP port`);
  }
  if (!/^[0-9A-Za-z.:_-]+$/.test(layout.host)) {
    throw new DatastoreSpecError(`layout.host ${JSON.stringify(layout.host)} is not an address Redis can bind`);
  }
}
