// Users (login roles): list, create, drop, rename and re-password. Passwords reach the server as
// SCRAM verifiers computed here (scram.ts), and statements are never logged.
import { DatastoreConflictError } from "../errors.js";
import type { UserChanges, UserInfo, UserSpec } from "../manager.js";
import { grantDatabases, grantInDatabases, requireRole } from "./access.js";
import { CONNECTABLE_DATABASES, disownRole, dropRole, forbidLogin, LIST_USERS, renameRole, setPassword, TERMINATE_SESSIONS } from "./admin-queries.js";
import { ADMIN_DATABASE, adminSession, inTransaction, skipMissingDatabase } from "./admin-session.js";
import type { InstanceContext } from "./context.js";
import { assertDatabaseName, assertNoHost, assertPassword, assertUserName } from "./names.js";
import { ADMIN_ROLE } from "./paths.js";
import { createLoginRole, ROLE_EXISTS } from "./queries.js";
import { ROOT_ROLE } from "./root.js";
import { passwordForSql } from "./scram.js";

/** Login roles but the agent's superuser and root, each with the databases it was granted. */
export async function listUsers(ctx: InstanceContext): Promise<UserInfo[]> {
  return adminSession(ctx, ADMIN_DATABASE, "listing users", async (client) => {
    const { rows } = await client.query<{ name: string; databases: string[] }>(LIST_USERS, [[ADMIN_ROLE, ROOT_ROLE]]);
    return rows.map((row) => ({ name: row.name, host: "", databases: row.databases }));
  });
}

/**
 * Creates the role and grants its databases in one transaction: a duplicate user is Conflict, a
 * missing database NotFound, and either way nothing is created. The grants inside each database
 * follow (see access.ts).
 */
export async function createUser(ctx: InstanceContext, spec: UserSpec): Promise<void> {
  const { name } = spec;
  assertUserName(name);
  assertNoHost(spec.host);
  assertPassword(`password of user "${name}"`, spec.password);
  spec.databases.forEach(assertDatabaseName);
  const databases = [...new Set(spec.databases)];
  const password = await passwordForSql(spec.password);
  await adminSession(ctx, ADMIN_DATABASE, `creating user "${name}"`, (client) =>
    inTransaction(client, async () => {
      if ((await client.query(ROLE_EXISTS, [name])).rowCount) throw new DatastoreConflictError(`user "${name}" already exists`);
      await client.query(createLoginRole(name, password));
      await grantDatabases(client, name, databases);
    }),
  );
  await grantInDatabases(ctx, name, databases);
  ctx.logger.info({ user: name, databases }, "postgresql user created");
}

/**
 * DROP ROLE refuses a role that still owns objects or holds privileges in any database. So: no more
 * logins and its sessions ended (nothing new appears meanwhile); then in every database REASSIGN
 * OWNED hands what it created to the agent's superuser (data in shared databases outlives its
 * author, as in MySQL, where dropping a user never drops tables) and DROP OWNED removes its
 * privileges and default privileges; then DROP ROLE. Each step converges, so a failed delete can
 * simply be repeated.
 */
export async function deleteUser(ctx: InstanceContext, name: string, host: string): Promise<void> {
  assertUserName(name);
  assertNoHost(host);
  const databases = await adminSession(ctx, ADMIN_DATABASE, `dropping user "${name}"`, async (client) => {
    await requireRole(client, name);
    await client.query(forbidLogin(name));
    await client.query(TERMINATE_SESSIONS, [name, null]);
    return (await client.query<{ datname: string }>(CONNECTABLE_DATABASES)).rows.map((row) => row.datname);
  });
  for (const database of databases) {
    await skipMissingDatabase(
      adminSession(ctx, database, `handing over what "${name}" owns in "${database}"`, async (client) => {
        for (const sql of disownRole(name, ADMIN_ROLE)) await client.query(sql);
      }),
    );
  }
  await adminSession(ctx, ADMIN_DATABASE, `dropping user "${name}"`, (client) => client.query(dropRole(name)));
  ctx.logger.info({ user: name }, "postgresql user dropped");
}

/** Renames and/or re-passwords in one transaction. A SCRAM verifier does not depend on the name, so a rename keeps the password. */
export async function updateUser(ctx: InstanceContext, name: string, host: string, changes: UserChanges): Promise<void> {
  assertUserName(name);
  assertNoHost(host);
  assertNoHost(changes.newHost);
  const newName = changes.newName !== undefined && changes.newName !== name ? changes.newName : undefined;
  if (newName !== undefined) assertUserName(newName);
  if (changes.password !== undefined) assertPassword(`password of user "${name}"`, changes.password);
  const password = changes.password === undefined ? undefined : await passwordForSql(changes.password);
  await adminSession(ctx, ADMIN_DATABASE, `updating user "${name}"`, (client) =>
    inTransaction(client, async () => {
      await requireRole(client, name);
      if (newName !== undefined) {
        if ((await client.query(ROLE_EXISTS, [newName])).rowCount) throw new DatastoreConflictError(`user "${newName}" already exists`);
        await client.query(renameRole(name, newName));
      }
      if (password !== undefined) await client.query(setPassword(newName ?? name, password));
    }),
  );
  ctx.logger.info({ user: name, newName, passwordChanged: password !== undefined }, "postgresql user updated");
}
