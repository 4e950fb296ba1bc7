// The server settings Hoard derives from a flavor (RAM, vCPUs) and an instance layout, for every
// MySQL-family engine, and their rendering as an option file. Pure, so the sizing rules can be
// table-tested and reviewed without a server. Engine-only settings come from the flavor.
import { DatastoreSpecError } from "../errors.js";
import type { InstanceLayout } from "../manager.js";
import type { MysqlPaths } from "./paths.js";

/** Below this the buffer pool would fall under 128 MiB and connections under 20. */
export const MIN_RAM_MB = 256;

/** Ordered option → value pairs of the [mysqld] group. */
export type Settings = ReadonlyArray<readonly [name: string, value: string | number | boolean]>;

/**
 * Memory and connection settings for a flavor:
 * - innodb_buffer_pool_size: half the RAM up to 4 GiB (128 MiB at the 256 MiB minimum, 256 MiB for
 *   512 MiB), then RAM less 2 GiB, capped at three quarters;
 * - max_connections: 100 per GiB (50 at 512 MiB), 20 to 1000; each connection costs a thread and a
 *   few MiB of per-session buffers in what the buffer pool leaves;
 * - innodb_log_file_size: a quarter of the buffer pool, 32 MiB to 2 GiB (room for a burst of
 *   writes between checkpoints without making crash recovery slow);
 * - in-memory temporary tables, the MyISAM key cache (system tables only) and the table cache
 *   scaled down for small flavors, where the defaults (16 MiB per session, 128 MiB, 2000 tables)
 *   would not fit; fewer cached tables also keep the open-files need within common ulimits.
 */
export function deriveMemorySettings(ramMb: number, vcpus: number): Settings {
  checkFlavor(ramMb, vcpus);
  const bufferPoolMb = ramMb <= 4096 ? Math.floor(ramMb / 2) : Math.min(Math.floor((ramMb * 3) / 4), ramMb - 2048);
  const tmpTableMb = clamp(Math.floor(ramMb / 32), 16, 256);
  return [
    ["innodb_buffer_pool_size", `${bufferPoolMb}M`],
    ["innodb_log_file_size", `${clamp(Math.floor(bufferPoolMb / 4), 32, 2048)}M`],
    ["max_connections", clamp(Math.floor((ramMb * 100) / 1024), 20, 1000)],
    ["tmp_table_size", `${tmpTableMb}M`],
    ["max_heap_table_size", `${tmpTableMb}M`],
    ["key_buffer_size", `${clamp(Math.floor(ramMb / 64), 8, 128)}M`],
    ["table_open_cache", clamp(Math.floor(ramMb / 2), 400, 4000)],
  ];
}

/** Throws DatastoreSpecError for a flavor the server cannot run in. */
export function checkFlavor(ramMb: number, vcpus: number): void {
  if (!Number.isInteger(ramMb) || ramMb < MIN_RAM_MB) {
    throw new DatastoreSpecError(`ramMb must be an integer of at least ${MIN_RAM_MB}, got ${ramMb}`);
  }
  if (!Number.isInteger(vcpus) || vcpus < 1) throw new DatastoreSpecError(`vcpus must be a positive integer, got ${vcpus}`);
}

/**
 * Files, addresses and behaviour fixed by the layout. Host names are never resolved (accounts
 * match client addresses), LOAD DATA LOCAL is off, file import/export (LOAD_FILE, INTO OUTFILE,
 * for an account with FILE) is confined to a directory of the instance's own, and symbolic links
 * are off, so CREATE TABLE ... DATA/INDEX DIRECTORY (CREATE privilege only) is ignored instead of
 * placing files wherever the shared server account can write, another instance's files included.
 */
export function deriveServerSettings(layout: InstanceLayout, paths: MysqlPaths, basedir: string): Settings {
  return [
    ["basedir", basedir],
    ["datadir", paths.dataDir],
    ["socket", paths.socketPath],
    ["pid-file", paths.pidFile],
    ["bind-address", layout.host],
    ["port", layout.port],
    ["skip-name-resolve", true],
    ["local-infile", false],
    ["symbolic-links", false],
    ["secure-file-priv", paths.secureFileDir],
    ["character-set-server", "utf8mb4"],
  ];
}

/**
 * Logs: the error log in logDir (rotated by the manager at each start, see logs.ts); the slow
 * query log and the general log configured there too but off, so an operator turns either on
 * with SET GLOBAL and knows where it writes.
 */
export function deriveLogSettings(paths: MysqlPaths): Settings {
  return [
    ["log-error", paths.errorLog],
    ["slow_query_log", false],
    ["slow_query_log_file", paths.slowLog],
    ["long_query_time", 2],
    ["general_log", false],
    ["general_log_file", paths.generalLog],
  ];
}

/** Renders settings as an option file with one [mysqld] group (read by mysqld and mariadbd alike). */
export function renderOptionFile(settings: Settings): string {
  const lines = settings.map(([name, value]) => renderSetting(name, value));
  return `# Written by the Hoard agent on every prepare; edits here are lost.\n[mysqld]\n${lines.join("\n")}\n`;
}

function renderSetting(name: string, value: string | number | boolean): string {
  if (typeof value === "boolean") return `${name} = ${value ? "ON" : "OFF"}`;
  if (typeof value === "number") return `${name} = ${value}`;
  if (/[\0\n\r]/.test(value)) throw new DatastoreSpecError(`setting ${name} holds a line break or NUL`);
  // Quoted, so a '#' or a space in a path is not a comment or the end of the value.
  return /^[A-Za-z0-9_./:%+-]+$/.test(value) ? `${name} = ${value}` : `${name} = "${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
