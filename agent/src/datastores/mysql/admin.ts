// Databases over the admin connection (root@localhost on the unix socket), and the DatastoreAdmin
// of a MySQL-family manager put together with the user half (admin-users.ts). Each operation reads
// the catalog first and refuses with NotFound or Conflict before it changes anything; the engine's
// own error numbers back that up against concurrent changes. Passwords only ever travel as the
// flavor's hash, and are blanked out of any error.
import { DatastoreConflictError, DatastoreNotFoundError, DatastoreSpecError } from "../errors.js";
import type { DatabaseInfo, DatabaseSpec, DatastoreAdmin, PrepareSpec } from "../manager.js";
import { recordCopies, targetHosts } from "./access.js";
import { ER_DB_CREATE_EXISTS, ER_DB_DROP_EXISTS, guard, mapErrno, secretsOf, type Serial } from "./admin-support.js";
import { createUserAdmin } from "./admin-users.js";
import { readAgentState, writeAgentState } from "./agent-state.js";
import { hasDatabase, isUserDatabase, readCatalog, type Catalog } from "./catalog.js";
import { runSql } from "./client.js";
import type { InstanceContext } from "./context.js";
import * as q from "./queries.js";
import { specChecks } from "./spec-checks.js";

export type { Serial } from "./admin-support.js";

/** The DatastoreAdmin half of a MySQL-family manager. Mutations run through `serial`. */
export function createAdmin(ctx: InstanceContext, serial: Serial): DatastoreAdmin {
  const check = specChecks(ctx.flavor.engine);
  const never = new AbortController().signal;
  const catalog = (): Promise<Catalog> => guard(ctx, () => readCatalog(ctx, never));
  const exec = (sql: string): Promise<unknown> => guard(ctx, () => runSql(ctx, sql, { signal: never }));

  return {
    capabilities: { databases: true, userHosts: true, grants: true },
    ...createUserAdmin(ctx, serial),

    async listDatabases(): Promise<DatabaseInfo[]> {
      const cat = await catalog();
      return cat.databases.filter((db) => isUserDatabase(db.name)).sort((a, b) => a.name.localeCompare(b.name));
    },

    createDatabase: (spec: DatabaseSpec) =>
      serial(async () => {
        check.database(spec.name);
        check.charset(spec.characterSet, spec.collation);
        await checkCharset(ctx, spec.characterSet, spec.collation, never);
        if (hasDatabase(await catalog(), spec.name)) throw new DatastoreConflictError(`database ${spec.name} already exists`);
        await exec(q.createDatabase(spec)).catch(
          mapErrno({ [ER_DB_CREATE_EXISTS]: () => new DatastoreConflictError(`database ${spec.name} already exists`) }),
        );
      }),

    deleteDatabase: (name: string) =>
      serial(async () => {
        check.database(name);
        const cat = await catalog();
        if (!hasDatabase(cat, name)) throw new DatastoreNotFoundError(`database ${name} does not exist`);
        // Grants outlive a dropped database and would open a new one of the same name: revoke them.
        const revokes = cat.grants.filter((g) => g.database === name).map((g) => q.revokeAll(g.pattern, g.user, g.host));
        await exec([...revokes, q.dropDatabase(name)].join("\n")).catch(
          mapErrno({ [ER_DB_DROP_EXISTS]: () => new DatastoreNotFoundError(`database ${name} does not exist`) }),
        );
      }),
  };
}

/**
 * Prepare's converging run: databases that are missing are created (existing ones stay as they
 * are), users are created or get their password reset, and receive their grants; in password mode
 * root@localhost's password is reset too. Every listed database of a user must be in the spec or
 * exist already. A user@'%' gets one account per allowed network when the record has networks
 * (access.ts); the caller runs syncAccess afterwards for everything else.
 */
export async function ensureDatabasesAndUsers(ctx: InstanceContext, spec: PrepareSpec, signal: AbortSignal): Promise<void> {
  const { flavor } = ctx;
  const check = specChecks(flavor.engine);
  const cat = await guard(ctx, () => readCatalog(ctx, signal));
  for (const db of spec.databases) {
    if (!hasDatabase(cat, db.name)) await checkCharset(ctx, db.characterSet, db.collation, signal);
  }
  const known = new Set([...spec.databases.map((db) => db.name), ...cat.databases.map((db) => db.name)]);
  const state = await readAgentState(ctx);
  const statements: string[] = [];
  const secrets: string[] = [];
  const addSecret = (password: string, clause: string): void => void secrets.push(...secretsOf(password, clause));
  if (ctx.adminAuth === "password") {
    const statement = flavor.adminPasswordStatement(spec.adminPassword);
    statements.push(statement);
    addSecret(spec.adminPassword, statement);
  }
  for (const db of spec.databases) statements.push(q.createDatabase(db, true));
  for (const user of spec.users) {
    const host = check.host(user.host);
    const missing = user.databases.filter((db) => !known.has(db));
    if (missing.length > 0) throw new DatastoreNotFoundError(`user ${user.name}: database ${missing.join(", ")} does not exist`);
    const clause = flavor.identifiedBy(user.password);
    addSecret(user.password, clause);
    const hosts = targetHosts(state.access, host);
    if (host === "%") recordCopies(state.access, user.name, hosts);
    for (const h of hosts) {
      statements.push(q.ensureUser(user.name, h, clause));
      for (const db of new Set(user.databases)) statements.push(q.grantAll(db, user.name, h));
    }
  }
  if (state.access.expanded.length > 0) await writeAgentState(ctx, state); // before the accounts exist: see access.ts
  await guard(ctx, () => runSql(ctx, statements.join("\n"), { signal, secrets }));
}

/** Refuses an unknown character set or collation, or a pair that does not go together, with the server's own tables. */
async function checkCharset(ctx: InstanceContext, characterSet: string | undefined, collation: string | undefined, signal: AbortSignal): Promise<void> {
  const cs = characterSet || undefined;
  const coll = collation || undefined;
  if (!cs && !coll) return;
  const rows = await guard(ctx, () => runSql(ctx, ctx.flavor.charsetCheckQuery(cs, coll), { signal }));
  const [csKnown, collKnown, together] = rows[0] ?? [];
  if (cs && csKnown !== "1") throw new DatastoreSpecError(`character set ${cs} is not known to ${ctx.flavor.displayName}`);
  if (coll && collKnown !== "1") throw new DatastoreSpecError(`collation ${coll} is not known to ${ctx.flavor.displayName}`);
  if (cs && coll && together !== "1") throw new DatastoreSpecError(`collation ${coll} is not a collation of character set ${cs}`);
}
