// Grants. The rule: a user has access to a database when it holds CONNECT on it through a grant of
// its own. User databases are closed to PUBLIC, so that grant is the only way in; revoking it makes
// the next connection fail with "permission denied for database". Inside a database, what its users
// create in schema public is shared among them (default privileges to PUBLIC, which there means the
// database's users), as MySQL's GRANT ALL ON db.* shares every table.
import type pg from "pg";
import { DatastoreNotFoundError } from "../errors.js";
import { closeDatabase, grantInDatabase, MISSING_DATABASES, revokeDatabase, revokeInDatabase, TERMINATE_SESSIONS } from "./admin-queries.js";
import { ADMIN_DATABASE, adminSession, inTransaction, nameList, skipMissingDatabase } from "./admin-session.js";
import type { InstanceContext } from "./context.js";
import { assertDatabaseName, assertNoHost, assertUserName } from "./names.js";
import { grantDatabase, ROLE_EXISTS } from "./queries.js";

/** Throws NotFound unless the role exists. */
export async function requireRole(client: pg.Client, role: string): Promise<void> {
  if (!(await client.query(ROLE_EXISTS, [role])).rowCount) throw new DatastoreNotFoundError(`user "${role}" does not exist`);
}

/**
 * Inside the caller's transaction on the admin database: every database must exist (NotFound names
 * the missing ones, and the caller's rollback leaves nothing changed); each is closed to PUBLIC and
 * granted to `role` (CONNECT, CREATE, TEMPORARY).
 */
export async function grantDatabases(client: pg.Client, role: string, databases: string[]): Promise<void> {
  const missing = (await client.query<{ name: string }>(MISSING_DATABASES, [databases])).rows.map((row) => row.name);
  if (missing.length > 0) throw new DatastoreNotFoundError(`${nameList("database", missing)} ${missing.length > 1 ? "do" : "does"} not exist`);
  for (const database of databases) {
    await client.query(closeDatabase(database));
    await client.query(grantDatabase(database, role));
  }
}

/**
 * After the database grants committed, inside each database: schema public and default privileges.
 * Idempotent; a database dropped in between is skipped, since there is nothing left to grant.
 */
export async function grantInDatabases(ctx: InstanceContext, role: string, databases: string[]): Promise<void> {
  for (const database of databases) {
    await skipMissingDatabase(
      adminSession(ctx, database, `granting schema public of "${database}" to "${role}"`, async (client) => {
        for (const sql of grantInDatabase(role)) await client.query(sql);
      }),
    );
  }
}

/** Gives `name` full access to each database; all must exist, or nothing changes. */
export async function grantAccess(ctx: InstanceContext, name: string, host: string, databases: string[]): Promise<void> {
  assertUserName(name);
  assertNoHost(host);
  databases.forEach(assertDatabaseName);
  const unique = [...new Set(databases)];
  await adminSession(ctx, ADMIN_DATABASE, `granting databases to "${name}"`, (client) =>
    inTransaction(client, async () => {
      await requireRole(client, name);
      await grantDatabases(client, name, unique);
    }),
  );
  await grantInDatabases(ctx, name, unique);
  ctx.logger.info({ user: name, databases: unique }, "postgresql access granted");
}

/**
 * Takes the role's grant on the database away (and makes sure PUBLIC has none), removes its right
 * to create in schema public there, and ends its sessions on that database so the revoke takes
 * effect now. What it created there stays, shared with the database's other users.
 */
export async function revokeAccess(ctx: InstanceContext, name: string, host: string, database: string): Promise<void> {
  assertUserName(name);
  assertNoHost(host);
  assertDatabaseName(database);
  await adminSession(ctx, ADMIN_DATABASE, `revoking database "${database}" from "${name}"`, (client) =>
    inTransaction(client, async () => {
      await requireRole(client, name);
      const missing = await client.query(MISSING_DATABASES, [[database]]);
      if (missing.rowCount) throw new DatastoreNotFoundError(`database "${database}" does not exist`);
      await client.query(revokeDatabase(database, name));
      await client.query(closeDatabase(database));
    }),
  );
  await skipMissingDatabase(
    adminSession(ctx, database, `revoking schema public of "${database}" from "${name}"`, (client) => client.query(revokeInDatabase(name))),
  );
  await adminSession(ctx, ADMIN_DATABASE, `ending the sessions of "${name}"`, (client) => client.query(TERMINATE_SESSIONS, [name, database]));
  ctx.logger.info({ user: name, database }, "postgresql access revoked");
}
