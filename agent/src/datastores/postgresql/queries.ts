// SQL text the agent sends, in one place. Names and literals are quoted with pg's escapeIdentifier
// and escapeLiteral; nothing here is ever logged, since some statements carry password verifiers.
import pg from "pg";
import type { DatabaseSpec } from "../manager.js";

const id = (name: string): string => pg.escapeIdentifier(name);
const lit = (value: string): string => pg.escapeLiteral(value);

/**
 * The health query of the probe, which also says whether some setting waits for a restart: every
 * process of the server flags a changed restart-only setting as pending when it reloads the files,
 * and a new session inherits the postmaster's flags.
 */
export const PROBE = "SELECT coalesce(bool_or(pending_restart), false) AS pending FROM pg_settings";

/** When this session last read the configuration files; text keeps the microseconds. */
export const CONF_LOAD_TIME = "SELECT pg_conf_load_time()::text AS loaded";

/** Signals the postmaster to re-read the files; it passes the signal on to every session. */
export const RELOAD_CONF = "SELECT pg_reload_conf()";

/**
 * $1: lower-case names. `setting` is the value in the parameter's base unit (work_mem 4096, meaning
 * kB; shared_buffers in 8kB pages), the form the parameter catalogue validates and Configure takes.
 */
export const SETTINGS_NAMED = "SELECT name, setting FROM pg_settings WHERE name = ANY($1::text[])";

/** Makes the log collector start a new file now. */
export const ROTATE_LOGFILE = "SELECT pg_rotate_logfile()";

/**
 * First statements of every administrative session: keep the server from logging statement text
 * (which may hold a password) even when a statement fails, whatever the instance's log settings.
 */
export const QUIET_SESSION =
  "SET log_statement = 'none'; SET log_min_error_statement = 'panic'; SET log_min_duration_statement = -1";

/** $1: database name. */
export const DATABASE_EXISTS = "SELECT 1 FROM pg_database WHERE datname = $1";

/** $1: role name. */
export const ROLE_EXISTS = "SELECT 1 FROM pg_roles WHERE rolname = $1";

/**
 * CREATE DATABASE; a character set or collation other than template1's needs template0, whose
 * contents are encoding-neutral. The collation sets LC_CTYPE too, as one locale.
 */
export function createDatabase(db: DatabaseSpec): string {
  let sql = `CREATE DATABASE ${id(db.name)}`;
  if (db.characterSet || db.collation) sql += " TEMPLATE template0";
  if (db.characterSet) sql += ` ENCODING ${lit(db.characterSet)}`;
  if (db.collation) sql += ` LC_COLLATE ${lit(db.collation)} LC_CTYPE ${lit(db.collation)}`;
  return sql;
}

/** `password` is a SCRAM verifier or, for non-ASCII passwords, the plaintext (see scram.ts). */
export function createLoginRole(role: string, password: string): string {
  return `CREATE ROLE ${id(role)} LOGIN PASSWORD ${lit(password)}`;
}

/** Resets an existing role to a login role with this password, so a repeated prepare converges. */
export function alterLoginRole(role: string, password: string): string {
  return `ALTER ROLE ${id(role)} WITH LOGIN PASSWORD ${lit(password)}`;
}

/** CONNECT, CREATE (schemas) and TEMPORARY on the database. */
export function grantDatabase(database: string, role: string): string {
  return `GRANT ALL PRIVILEGES ON DATABASE ${id(database)} TO ${id(role)}`;
}
