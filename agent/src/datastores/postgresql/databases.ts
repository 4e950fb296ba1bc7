// Databases: list, create and drop, through the agent's superuser. A database Hoard creates is
// closed to PUBLIC at once, so only users granted it (grantAccess), and root, can connect.
import { DatastoreConflictError, DatastoreNotFoundError, DatastoreSpecError } from "../errors.js";
import type { DatabaseInfo, DatabaseSpec } from "../manager.js";
import { closeDatabase, dropDatabase, ENCODING_ID, LIST_DATABASES } from "./admin-queries.js";
import { ADMIN_DATABASE, adminSession, sqlState } from "./admin-session.js";
import type { InstanceContext } from "./context.js";
import { assertDatabaseName } from "./names.js";
import { createDatabase as createDatabaseSql, DATABASE_EXISTS } from "./queries.js";
import { openDatabaseToRoot } from "./root.js";

/** CREATE DATABASE's refusals of a character set or collation: 22023 mismatch, 42704 encoding, 42809 locale. */
const LOCALE_STATES = new Set(["22023", "42704", "42809"]);

export async function listDatabases(ctx: InstanceContext): Promise<DatabaseInfo[]> {
  return adminSession(ctx, ADMIN_DATABASE, "listing databases", async (client) => {
    const { rows } = await client.query<DatabaseInfo>(LIST_DATABASES);
    return rows.map((row) => ({ name: row.name, characterSet: row.characterSet, collation: row.collation }));
  });
}

/**
 * CREATE DATABASE, with ENCODING / LC_COLLATE / LC_CTYPE from template0 when a character set or
 * collation is given. A character set other than UTF8 without a collation gets the C locale, the
 * only one that fits every encoding (the server's default, C.UTF-8, fits UTF8 only).
 */
export async function createDatabase(ctx: InstanceContext, spec: DatabaseSpec): Promise<void> {
  const { name } = spec;
  assertDatabaseName(name);
  for (const [what, value] of [["character set", spec.characterSet], ["collation", spec.collation]] as const) {
    if (value !== undefined && (value.trim() === "" || value.includes("\0"))) {
      throw new DatastoreSpecError(`${what} of database "${name}" must not be empty`);
    }
  }
  await adminSession(ctx, ADMIN_DATABASE, `creating database "${name}"`, async (client) => {
    if ((await client.query(DATABASE_EXISTS, [name])).rowCount) throw new DatastoreConflictError(`database "${name}" already exists`);
    const db: DatabaseSpec = { ...spec };
    if (spec.characterSet !== undefined) {
      const { rows } = await client.query<{ id: number; utf8: number }>(ENCODING_ID, [spec.characterSet]);
      const encoding = rows[0];
      if (!encoding || encoding.id < 0) throw new DatastoreSpecError(`character set "${spec.characterSet}" is not a PostgreSQL encoding`);
      if (spec.collation === undefined && encoding.id !== encoding.utf8) db.collation = "C";
    }
    try {
      await client.query(createDatabaseSql(db));
    } catch (err) {
      const state = sqlState(err);
      if (state === "42809") throw new DatastoreSpecError(`collation "${spec.collation ?? ""}" is not a locale this server has`);
      if (state && LOCALE_STATES.has(state)) {
        throw new DatastoreSpecError(`database "${name}": ${err instanceof Error ? err.message : String(err)}`);
      }
      throw err;
    }
    await client.query(closeDatabase(name));
    await openDatabaseToRoot(client, name);
  });
  ctx.logger.info({ database: name }, "postgresql database created");
}

/** DROP DATABASE ... WITH (FORCE): sessions connected to it are ended first, so it cannot be blocked. */
export async function deleteDatabase(ctx: InstanceContext, name: string): Promise<void> {
  assertDatabaseName(name);
  await adminSession(ctx, ADMIN_DATABASE, `dropping database "${name}"`, async (client) => {
    if (!(await client.query(DATABASE_EXISTS, [name])).rowCount) throw new DatastoreNotFoundError(`database "${name}" does not exist`);
    await client.query(dropDatabase(name));
  });
  ctx.logger.info({ database: name }, "postgresql database dropped");
}
