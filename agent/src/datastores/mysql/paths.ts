// Every file name a MySQL-family manager derives from an instance layout, computed in one place so
// the process, config, probe and template code never disagree about where things are.
import { dirname, join } from "node:path";
import { checkLayoutDirs, checkPort, checkSocketPath } from "../common/layout-checks.js";
import { DatastoreSpecError } from "../errors.js";
import type { InstanceLayout } from "../manager.js";

/** Paths of one instance; see resolvePaths. */
export interface MysqlPaths {
  dataDir: string;
  runDir: string;
  logDir: string;
  socketPath: string;
  pidFile: string;
  /**
   * The instance's option file, beside the data directory on the volume (so it survives a reboot
   * and travels with the volume) but outside it (so backups of the data directory hold data only).
   * Owned by the agent, read-only to the server's account.
   */
  optionFile: string;
  /**
   * The agent's own record of what it applied and must keep applying (allowed CIDRs and the
   * accounts they produced, log switches): beside my.cnf on the volume, owned by the agent, 0600.
   */
  agentStateFile: string;
  /** Client option file with the admin password, when the agent authenticates by password. */
  adminOptionFile: string;
  /** SQL the server runs once at start (setting the admin password on a fresh copy); removed after. */
  initFile: string;
  /** The only directory LOAD_FILE / SELECT ... INTO OUTFILE / LOAD DATA may touch. */
  secureFileDir: string;
  errorLog: string;
  slowLog: string;
  generalLog: string;
  /** stdout/stderr of the server: only what it prints before it opens the error log. */
  startupLog: string;
  /** Written last by prepare; its presence is what isPrepared reports. */
  preparedMarker: string;
}

/** Derives the instance's paths from its layout. Pure: checks nothing on disk. */
export function resolvePaths(layout: InstanceLayout): MysqlPaths {
  return {
    dataDir: layout.dataDir,
    runDir: layout.runDir,
    logDir: layout.logDir,
    socketPath: join(layout.runDir, "mysqld.sock"),
    pidFile: join(layout.runDir, "mysqld.pid"),
    optionFile: join(dirname(layout.dataDir), "my.cnf"),
    agentStateFile: join(dirname(layout.dataDir), "hoard-agent-state.json"),
    adminOptionFile: join(layout.runDir, "hoard-admin.cnf"),
    initFile: join(layout.runDir, "hoard-init.sql"),
    secureFileDir: join(layout.runDir, "files"),
    errorLog: join(layout.logDir, "error.log"),
    slowLog: join(layout.logDir, "slow.log"),
    generalLog: join(layout.logDir, "general.log"),
    startupLog: join(layout.logDir, "startup.log"),
    preparedMarker: join(layout.dataDir, "hoard-prepared.json"),
  };
}

/**
 * Rejects layouts the server would only reject later with a vaguer message: a socket path over the
 * sun_path limit, relative directories, characters an option file cannot hold, a bad port or host.
 */
export function checkLayout(layout: InstanceLayout, paths: MysqlPaths): void {
  checkSocketPath(paths.socketPath);
  const { dataDir, runDir, logDir, binDir, cacheDir } = layout;
  checkLayoutDirs({ dataDir, runDir, logDir, binDir, cacheDir }, /[\0\n\r"'\\]/, "a character an option file cannot take");
  if (layout.dataDir === "/" || dirname(layout.dataDir) === "/") {
    throw new DatastoreSpecError("layout.dataDir must be at least two levels deep (my.cnf goes beside it)");
  }
  checkPort(layout.port);
  if (!/^[0-9A-Za-z.:*_-]+$/.test(layout.host)) {
    throw new DatastoreSpecError(`layout.host ${JSON.stringify(layout.host)} is not an address the server can listen on`);
  }
}
