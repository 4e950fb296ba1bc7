// SQL text of the administrative operations (databases, users, grants, root). Names and literals
// are quoted with pg's escapeIdentifier and escapeLiteral; nothing here is ever logged, since some
// statements carry password verifiers.
import pg from "pg";

const id = (name: string): string => pg.escapeIdentifier(name);
const lit = (value: string): string => pg.escapeLiteral(value);

/** User databases: everything but postgres (the agent's) and the templates. */
export const LIST_DATABASES = `
  SELECT datname AS name, pg_encoding_to_char(encoding) AS "characterSet", datcollate AS collation
  FROM pg_database
  WHERE NOT datistemplate AND datname NOT IN ('postgres', 'template0', 'template1')
  ORDER BY datname`;

/**
 * Login roles with the databases they hold CONNECT on through a grant of their own (not PUBLIC's):
 * exactly the databases grantAccess gave them. $1: role names to leave out.
 */
export const LIST_USERS = `
  SELECT r.rolname AS name,
         coalesce(array_agg(d.datname::text ORDER BY d.datname) FILTER (WHERE d.datname IS NOT NULL), '{}'::text[]) AS databases
  FROM pg_roles r
  LEFT JOIN LATERAL (
    SELECT db.datname FROM pg_database db, aclexplode(db.datacl) acl
    WHERE acl.grantee = r.oid AND acl.privilege_type = 'CONNECT'
      AND NOT db.datistemplate AND db.datname <> 'postgres'
  ) d ON true
  WHERE r.rolcanlogin AND NOT r.rolname = ANY($1::text[])
  GROUP BY r.rolname
  ORDER BY r.rolname`;

/** $1: database names; returns those that do not exist. */
export const MISSING_DATABASES = `
  SELECT name FROM unnest($1::text[]) AS name
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = name)`;

/**
 * Databases a role may have created objects in: every one that accepts connections, except the
 * templates (a session there would block CREATE DATABASE, and users cannot create in them).
 */
export const CONNECTABLE_DATABASES = "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname";

/** $1: encoding name; -1 when PostgreSQL has no such encoding. */
export const ENCODING_ID = "SELECT pg_char_to_encoding($1) AS id, pg_char_to_encoding('UTF8') AS utf8";

/** $1: role name. Ends the role's sessions (all databases, or only $2 when given). */
export const TERMINATE_SESSIONS = `
  SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity
  WHERE usename = $1 AND ($2::text IS NULL OR datname = $2) AND pid <> pg_backend_pid()`;

/** $1: role name; whether it exists and can log in. */
export const ROLE_LOGIN = "SELECT rolcanlogin AS enabled FROM pg_roles WHERE rolname = $1";

export function dropDatabase(name: string): string {
  // FORCE ends other sessions on it first (PostgreSQL 13+), so a connected client cannot block the drop.
  return `DROP DATABASE ${id(name)} WITH (FORCE)`;
}

/**
 * PUBLIC may CONNECT to and create TEMP tables in every new database by default. Hoard closes user
 * databases to PUBLIC, so a user reaches a database only through its own grant (grantAccess).
 */
export function closeDatabase(name: string): string {
  return `REVOKE ALL ON DATABASE ${id(name)} FROM PUBLIC`;
}

export function revokeDatabase(database: string, role: string): string {
  return `REVOKE ALL PRIVILEGES ON DATABASE ${id(database)} FROM ${id(role)}`;
}

/**
 * Run inside the database. Inside a database closed to PUBLIC, PUBLIC means "whoever was granted
 * this database" (and superusers), so what a user creates in schema public is shared with the
 * database's other users, as MySQL's GRANT ALL ON db.* shares every table of a database.
 */
export function grantInDatabase(role: string): string[] {
  const schema = `ALTER DEFAULT PRIVILEGES FOR ROLE ${id(role)} IN SCHEMA public GRANT ALL ON`;
  return [`GRANT ALL ON SCHEMA public TO ${id(role)}`, `${schema} TABLES TO PUBLIC`, `${schema} SEQUENCES TO PUBLIC`];
}

/** Run inside the database: the role may no longer create in schema public (it cannot connect anyway). */
export function revokeInDatabase(role: string): string {
  return `REVOKE ALL ON SCHEMA public FROM ${id(role)}`;
}

/** Run in every database: hands what `role` owns to `to`, then drops its privileges and default privileges. */
export function disownRole(role: string, to: string): string[] {
  return [`REASSIGN OWNED BY ${id(role)} TO ${id(to)}`, `DROP OWNED BY ${id(role)}`];
}

export function dropRole(role: string): string {
  return `DROP ROLE ${id(role)}`;
}

export function renameRole(role: string, to: string): string {
  return `ALTER ROLE ${id(role)} RENAME TO ${id(to)}`;
}

/** `password` is a SCRAM verifier or, for non-ASCII passwords, the plaintext (see scram.ts). */
export function setPassword(role: string, password: string): string {
  return `ALTER ROLE ${id(role)} WITH PASSWORD ${lit(password)}`;
}

export function forbidLogin(role: string): string {
  return `ALTER ROLE ${id(role)} WITH NOLOGIN`;
}

/**
 * Root's attributes, RDS's master user minus what PostgreSQL 15 cannot confine: it logs in and
 * creates databases, but is no superuser, and has no CREATEROLE either, since before PostgreSQL 16
 * CREATEROLE may grant any non-superuser role, pg_execute_server_program included, to itself.
 */
const ROOT_ATTRIBUTES = "NOSUPERUSER LOGIN CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS";

/** `password` is a SCRAM verifier or the plaintext (see scram.ts). */
export function createRoot(role: string, password: string): string {
  return `CREATE ROLE ${id(role)} WITH ${ROOT_ATTRIBUTES} PASSWORD ${lit(password)}`;
}

/** Resets an existing root, a superuser from an older enable included, to root's attributes. */
export function alterRoot(role: string, password: string): string {
  return `ALTER ROLE ${id(role)} WITH ${ROOT_ATTRIBUTES} PASSWORD ${lit(password)}`;
}

/**
 * Root's predefined roles, with ADMIN OPTION so it can hand them on: every table's data, the
 * monitoring views, signalling other backends, CHECKPOINT. Never the pg_*_server_* roles, which
 * reach files and programs as the server's OS account.
 */
export const ROOT_ROLES: readonly string[] = ["pg_read_all_data", "pg_write_all_data", "pg_monitor", "pg_signal_backend", "pg_checkpoint"];

/** What root must not hold, even if it got them as a superuser once. */
export const HOST_ROLES: readonly string[] = ["pg_read_server_files", "pg_write_server_files", "pg_execute_server_program"];

export function grantRootRoles(role: string): string {
  return `GRANT ${ROOT_ROLES.map(id).join(", ")} TO ${id(role)} WITH ADMIN OPTION`;
}

/** A REVOKE of a role not held only warns, so this runs whatever root holds. */
export function revokeHostRoles(role: string): string {
  return `REVOKE ${HOST_ROLES.map(id).join(", ")} FROM ${id(role)}`;
}

/** Hoard's databases are closed to PUBLIC (closeDatabase); root gets in to each like a granted user. */
export function grantDatabaseToRoot(database: string, role: string): string {
  return `GRANT ALL PRIVILEGES ON DATABASE ${id(database)} TO ${id(role)}`;
}

/** Disabled root: no login, no password, no superuser power; its objects keep their owner. */
export function disableRoot(role: string): string {
  return `ALTER ROLE ${id(role)} WITH NOSUPERUSER NOLOGIN PASSWORD NULL`;
}
