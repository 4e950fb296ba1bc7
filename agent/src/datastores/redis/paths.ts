// Every file name the Redis manager derives from an instance layout, in one place so the process,
// config, admin and probe code never disagree about where things are.
//
// Configuration, ACL file and the agent's credential live in the data directory, not the run
// directory: the run directory may be a tmpfs that a reboot empties, and a server that lost its
// configuration, its users or the agent's password could not be started or administered again.
import { join } from "node:path";
import { checkLayoutDirs, checkPort, checkSocketPath } from "../common/layout-checks.js";
import { DatastoreSpecError } from "../errors.js";
import type { InstanceLayout } from "../manager.js";

/** The snapshot's file name (`dbfilename`) and the AOF's names (`appendfilename`, `appenddirname`), all agent-owned. */
export const RDB_FILENAME = "dump.rdb";
export const AOF_FILENAME = "appendonly.aof";
export const AOF_DIRNAME = "appendonlydir";

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
  /** The agent's durable choices that redis.conf cannot hold (client CIDRs, the slow log switch); agent-owned. */
  stateFile: string;
  /** Written last by prepare; its presence is what isPrepared reports. */
  preparedMarker: string;
  /** The RDB snapshot BGSAVE writes and backups copy. */
  rdbFile: string;
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
    stateFile: join(layout.dataDir, "hoard-state.json"),
    preparedMarker: join(layout.dataDir, "hoard-prepared.json"),
    rdbFile: join(layout.dataDir, RDB_FILENAME),
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
  checkSocketPath(paths.socketPath);
  const { dataDir, runDir, logDir, binDir } = layout;
  checkLayoutDirs({ dataDir, runDir, logDir, binDir }, /[\0-\x1f\x7f]/, "a control character");
  checkPort(layout.port);
  if (!/^[0-9A-Za-z.:_-]+$/.test(layout.host)) {
    throw new DatastoreSpecError(`layout.host ${JSON.stringify(layout.host)} is not an address Redis can bind`);
  }
}
