// SQL text the agent sends to every MySQL-family engine, in one place. Names are quoted with
// sql.ts; `identified` is the flavor's password clause (a hash). Nothing here is ever logged.
import type { DatabaseSpec } from "../manager.js";
import { account, charsetName, grantDatabase, ident, text } from "./sql.js";

/** Databases of the server itself, never listed nor touched. */
export const SYSTEM_DATABASES: readonly string[] = ["mysql", "information_schema", "performance_schema", "sys"];

/** The health query of the probe. */
export const SELECT_ONE = "SELECT 1;";

/**
 * Everything the admin operations check before they change anything, in one round trip: tagged
 * rows d (database, character set, collation), a (account, Y when locked), g (database-level
 * grant: the raw mysql.db pattern). COALESCE keeps NULLs out of the client's text output.
 */
export function catalogQuery(accountsQuery: string): string {
  return [
    "SELECT 'd', SCHEMA_NAME, COALESCE(DEFAULT_CHARACTER_SET_NAME, ''), COALESCE(DEFAULT_COLLATION_NAME, '') FROM information_schema.SCHEMATA;",
    `SELECT 'a', acc.User, acc.Host, acc.Locked FROM (${accountsQuery}) AS acc;`,
    "SELECT 'g', User, Host, Db FROM mysql.db;",
  ].join("\n");
}

/** CREATE DATABASE with the spec's character set and collation; `ifMissing` for prepare's converging run. */
export function createDatabase(db: DatabaseSpec, ifMissing = false): string {
  let sql = `CREATE DATABASE ${ifMissing ? "IF NOT EXISTS " : ""}${ident(db.name)}`;
  if (db.characterSet) sql += ` CHARACTER SET ${charsetName("character set", db.characterSet)}`;
  if (db.collation) sql += ` COLLATE ${charsetName("collation", db.collation)}`;
  return `${sql};`;
}

/** DROP DATABASE; the caller revokes the grants on it first. */
export function dropDatabase(name: string): string {
  return `DROP DATABASE ${ident(name)};`;
}

/** CREATE USER, failing (1396) when the account exists: createUser's Conflict. */
export function createUser(user: string, host: string, identified: string): string {
  return `CREATE USER ${account(user, host)} IDENTIFIED ${identified};`;
}

/** Creates the account or, when it exists, resets its password: what a repeated prepare needs. */
export function ensureUser(user: string, host: string, identified: string): string {
  return `CREATE USER IF NOT EXISTS ${account(user, host)} IDENTIFIED ${identified};\nALTER USER ${account(user, host)} IDENTIFIED ${identified};`;
}

/** A new password for an existing account. */
export function alterPassword(user: string, host: string, identified: string): string {
  return `ALTER USER ${account(user, host)} IDENTIFIED ${identified};`;
}

/** DROP USER; `ifExists` for clean-ups and disableRoot. */
export function dropUser(user: string, host: string, ifExists = false): string {
  return `DROP USER ${ifExists ? "IF EXISTS " : ""}${account(user, host)};`;
}

/** Locks or unlocks an account (allowed networks, access.ts); IF EXISTS: a repeated sync must not fail on one gone since. */
export function setAccountLock(user: string, host: string, locked: boolean): string {
  return `ALTER USER IF EXISTS ${account(user, host)} ACCOUNT ${locked ? "LOCK" : "UNLOCK"};`;
}

/** RENAME USER moves the account and its grants to the new name and host. */
export function renameUser(user: string, host: string, newUser: string, newHost: string): string {
  return `RENAME USER ${account(user, host)} TO ${account(newUser, newHost)};`;
}

/** Full access to exactly one database (its name's wildcards escaped). */
export function grantAll(database: string, user: string, host: string): string {
  return `GRANT ALL PRIVILEGES ON ${grantDatabase(database)}.* TO ${account(user, host)};`;
}

/**
 * Revokes a database-level grant given as the raw pattern mysql.db stores. GRANT OPTION goes first:
 * once ALL PRIVILEGES removed the row, revoking anything else on it is an error.
 */
export function revokeAll(pattern: string, user: string, host: string): string {
  const on = `ON ${ident(pattern)}.* FROM ${account(user, host)}`;
  return `REVOKE GRANT OPTION ${on};\nREVOKE ALL PRIVILEGES ${on};`;
}

/**
 * Root's global privileges: Amazon RDS's master user, not a superuser. Whatever reaches the host's
 * files or the server's process reaches beyond the tenant's databases (and, where a host shares one
 * OS account between instances, other tenants): FILE (LOAD_FILE, INTO OUTFILE), SUPER (SET GLOBAL general_log_file and
 * the like), SHUTDOWN, SET USER (definers such as root@localhost), FEDERATED ADMIN (CREATE SERVER),
 * CONNECTION ADMIN, READ_ONLY ADMIN, CREATE TABLESPACE, and the binlog and replication ones
 * (CHANGE MASTER names files too) are left out. What stays is everything a database owner needs,
 * RELOAD (FLUSH) and PROCESS included, with GRANT OPTION so root can hand it on.
 */
export const ROOT_PRIVILEGES: readonly string[] = [
  "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "RELOAD", "PROCESS", "REFERENCES", "INDEX", "ALTER",
  "SHOW DATABASES", "CREATE TEMPORARY TABLES", "LOCK TABLES", "EXECUTE", "CREATE VIEW", "SHOW VIEW",
  "CREATE ROUTINE", "ALTER ROUTINE", "CREATE USER", "EVENT", "TRIGGER", "DELETE HISTORY",
];

/**
 * Root: the master account clients may use, created or reset at `host` ('%', or one allowed
 * network's host while allowed CIDRs are set: access.ts). Its grants are reset too, so a root from
 * an older enable (ALL PRIVILEGES) ends up with exactly ROOT_PRIVILEGES.
 */
export function enableRoot(identified: string, host = "%"): string {
  const root = account("root", host);
  return [
    ensureUser("root", host, identified),
    `REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${root};`,
    `GRANT ${ROOT_PRIVILEGES.join(", ")} ON *.* TO ${root} WITH GRANT OPTION;`,
  ].join("\n");
}

/** Copies of one account, for access.ts: its SHOW CREATE USER and SHOW GRANTS, after a tag row naming it. */
export function showAccount(user: string, host: string): string {
  return `SELECT 'account', ${text(user)}, ${text(host)};\nSHOW CREATE USER ${account(user, host)};\nSHOW GRANTS FOR ${account(user, host)};`;
}
