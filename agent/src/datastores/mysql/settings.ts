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

/** Which optional logs the server writes (the error log always is). */
export interface LogSwitches {
  general: boolean;
  slow: boolean;
}

/** How long a statement must run to reach the slow query log when parameters say nothing, in seconds. */
export const DEFAULT_LONG_QUERY_TIME = 1;

/**
 * Logs: the error log in logDir (rotated by log-rotation.ts); the slow query and general logs
 * written there too, as files (log_output=FILE: ReadLog reads files, never tables), each on or
 * off as `logs` says (the agent's record of SetLogEnabled and the configuration group).
 */
export function deriveLogSettings(paths: MysqlPaths, logs: LogSwitches = { general: false, slow: false }): Settings {
  return [
    ["log-error", paths.errorLog],
    ["log_output", "FILE"],
    ["slow_query_log", logs.slow],
    ["slow_query_log_file", paths.slowLog],
    ["long_query_time", DEFAULT_LONG_QUERY_TIME],
    ["general_log", logs.general],
    ["general_log_file", paths.generalLog],
  ];
}

/**
 * Option names the layout and the agent own: parameters may not set them (a configuration group
 * cannot move the data directory, open the socket elsewhere or send the logs to a table).
 * Compared after normalName.
 */
export const AGENT_OWNED_NAMES: ReadonlySet<string> = new Set([
  "basedir", "datadir", "socket", "pid_file", "bind_address", "port", "skip_name_resolve", "local_infile",
  "symbolic_links", "secure_file_priv", "log_error", "log_output", "slow_query_log_file", "general_log_file",
  "user", "init_file", "plugin_dir", "plugin_load", "plugin_load_add", "tmpdir", "character_sets_dir",
]);

/** Option and variable names as the server compares them: case-insensitive, '-' and '_' alike. */
export function normalName(name: string): string {
  return name.toLowerCase().replaceAll("-", "_");
}

/**
 * The derived settings with `parameters` applied: a parameter replaces the derived setting of the
 * same name where it stands, others follow at the end. Refuses names the agent owns and names
 * that are not plain option names (they end up in SQL as well as in the file).
 */
export function applyParameters(derived: Settings, parameters: Readonly<Record<string, string>>): Settings {
  const overrides = new Map<string, string>();
  for (const [name, value] of Object.entries(parameters)) {
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(name)) throw new DatastoreSpecError(`parameter ${JSON.stringify(name)} is not an option name`);
    if (AGENT_OWNED_NAMES.has(normalName(name))) throw new DatastoreSpecError(`parameter ${name} is managed by Hoard and cannot be set`);
    if (/[\0\n\r]/.test(value)) throw new DatastoreSpecError(`parameter ${name} holds a line break or NUL`);
    overrides.set(normalName(name), value);
  }
  const merged = derived.map(([name, value]): readonly [string, string | number | boolean] => {
    const override = overrides.get(normalName(name));
    if (override === undefined) return [name, value];
    overrides.delete(normalName(name));
    return [name, override];
  });
  return [...merged, ...overrides];
}

/**
 * Reads back an option file renderOptionFile wrote: the [mysqld] group's settings as strings, in
 * order (booleans as ON/OFF). Lines it did not write (comments, other groups) are skipped.
 */
export function parseOptionFile(text: string): Array<[string, string]> {
  const settings: Array<[string, string]> = [];
  let inGroup = false;
  for (const line of text.split("\n")) {
    const group = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (group) {
      inGroup = group[1] === "mysqld";
      continue;
    }
    const match = inGroup ? /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(line) : null;
    if (!match) continue;
    const raw = (match[2] ?? "").trim();
    const value = /^".*"$/.test(raw) ? raw.slice(1, -1).replace(/\\(["\\])/g, "$1") : raw;
    settings.push([match[1] ?? "", value]);
  }
  return settings;
}

/** Renders settings as an option file with one [mysqld] group (read by mysqld and mariadbd alike). */
export function renderOptionFile(settings: Settings): string {
  const lines = settings.map(([name, value]) => renderSetting(name, value));
  return `# Written by the Hoard agent at every prepare and configure; edits here are lost.\n[mysqld]\n${lines.join("\n")}\n`;
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
