// Databases, users, grants and root, over the admin connection (root@localhost on the unix
// socket). Each operation reads the catalog first and refuses with NotFound or Conflict before it
// changes anything; the engine's own error numbers back that up against concurrent changes.
// Passwords only ever travel as the flavor's hash, and are blanked out of any error.
import { DatastoreConflictError, DatastoreNotFoundError, DatastorePreconditionError, DatastoreSpecError } from "../errors.js";
import type { DatabaseInfo, DatabaseSpec, DatastoreAdmin, PrepareSpec, RootCredentials, UserChanges, UserInfo, UserSpec } from "../manager.js";
import { findAccount, grantsOf, hasDatabase, isUserDatabase, readCatalog, type AccountRef, type Catalog } from "./catalog.js";
import { runSql, SqlError } from "./client.js";
import type { InstanceContext } from "./context.js";
import * as q from "./queries.js";
import { specChecks } from "./spec-checks.js";

const ER_DB_CREATE_EXISTS = 1007;
const ER_DB_DROP_EXISTS = 1008;
const ER_UNKNOWN_CHARACTER_SET = 1115;
const ER_COLLATION_CHARSET_MISMATCH = 1253;
const ER_UNKNOWN_COLLATION = 1273;
const ER_CANNOT_USER = 1396;
const ER_NONEXISTING_GRANT = 1141;

/** A password as the flavor's SQL clause, with what must never show up in an error. */
interface Identified {
  clause: string;
  secrets: string[];
}

/** Runs tasks one after another (the manager's queue, shared with the lifecycle operations). */
export type Serial = <T>(task: () => Promise<T>) => Promise<T>;

/** The DatastoreAdmin half of a MySQL-family manager. Mutations run through `serial`. */
export function createAdmin(ctx: InstanceContext, serial: Serial): DatastoreAdmin {
  const { flavor } = ctx;
  const check = specChecks(flavor.engine);
  const never = new AbortController().signal;

  const identify = (password: string): Identified => {
    const clause = flavor.identifiedBy(password);
    return { clause, secrets: secretsOf(password, clause) };
  };
  const catalog = (): Promise<Catalog> => guard(ctx, () => readCatalog(ctx, never));
  const exec = (sql: string, secrets: string[] = []): Promise<unknown> => guard(ctx, () => runSql(ctx, sql, { signal: never, secrets }));
  const needAccount = (cat: Catalog, user: string, host: string): AccountRef => {
    const found = findAccount(cat, user, host);
    if (!found) throw new DatastoreNotFoundError(`user ${user}@${host} does not exist`);
    return found;
  };
  const needDatabases = (cat: Catalog, names: string[]): void => {
    const missing = names.filter((name) => !hasDatabase(cat, name));
    if (missing.length > 0) throw new DatastoreNotFoundError(`database${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ${missing.length > 1 ? "do" : "does"} not exist`);
  };

  return {
    capabilities: { databases: true, userHosts: true, grants: true },

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

    async listUsers(): Promise<UserInfo[]> {
      const cat = await catalog();
      const hidden = new Set(["root", "", ...flavor.hiddenAccounts].map((u) => u.toLowerCase()));
      return cat.accounts
        .filter((a) => !hidden.has(a.user.toLowerCase()) && !a.user.toLowerCase().startsWith("hoard"))
        .map((a) => ({ name: a.user, host: a.host, databases: [...new Set(grantsOf(cat, a).map((g) => g.database))].sort() }))
        .sort((a, b) => a.name.localeCompare(b.name) || a.host.localeCompare(b.host));
    },

    createUser: (spec: UserSpec) =>
      serial(async () => {
        const user = check.user(spec.name);
        const host = check.host(spec.host);
        const password = check.password(`password of user ${user}`, spec.password);
        for (const db of spec.databases) check.database(db);
        const cat = await catalog();
        if (findAccount(cat, user, host)) throw new DatastoreConflictError(`user ${user}@${host} already exists`);
        needDatabases(cat, spec.databases);
        const id = identify(password);
        const grants = [...new Set(spec.databases)].map((db) => q.grantAll(db, user, host));
        try {
          await exec([q.createUser(user, host, id.clause), ...grants].join("\n"), id.secrets);
        } catch (err) {
          if (err instanceof SqlError && err.errno === ER_CANNOT_USER) throw new DatastoreConflictError(`user ${user}@${host} already exists`);
          await exec(q.dropUser(user, host, true)).catch(() => {}); // nothing half-made stays behind
          throw err;
        }
      }),

    deleteUser: (name: string, host: string) =>
      serial(async () => {
        const account = needAccount(await catalog(), check.user(name), check.host(host));
        await exec(q.dropUser(account.user, account.host)).catch(
          mapErrno({ [ER_CANNOT_USER]: () => new DatastoreNotFoundError(`user ${name}@${account.host} does not exist`) }),
        );
      }),

    updateUser: (name: string, host: string, changes: UserChanges) =>
      serial(async () => {
        const user = check.user(name);
        const currentHost = check.host(host);
        const newUser = changes.newName !== undefined ? check.user(changes.newName) : user;
        const newHostGiven = changes.newHost !== undefined ? check.host(changes.newHost) : undefined;
        const id = changes.password !== undefined ? identify(check.password(`new password of user ${user}`, changes.password)) : undefined;
        const cat = await catalog();
        const account = needAccount(cat, user, currentHost);
        const newHost = newHostGiven ?? account.host;
        const renaming = newUser !== account.user || newHost.toLowerCase() !== account.host.toLowerCase();
        if (renaming && findAccount(cat, newUser, newHost)) throw new DatastoreConflictError(`user ${newUser}@${newHost} already exists`);
        const statements = [
          ...(renaming ? [q.renameUser(account.user, account.host, newUser, newHost)] : []),
          ...(id ? [q.alterPassword(newUser, renaming ? newHost : account.host, id.clause)] : []),
        ];
        if (statements.length === 0) return;
        await exec(statements.join("\n"), id?.secrets).catch(
          mapErrno({
            [ER_CANNOT_USER]: () =>
              renaming ? new DatastoreConflictError(`user ${newUser}@${newHost} already exists`) : new DatastoreNotFoundError(`user ${user}@${currentHost} does not exist`),
          }),
        );
      }),

    grantAccess: (name: string, host: string, databases: string[]) =>
      serial(async () => {
        const user = check.user(name);
        const accountHost = check.host(host);
        for (const db of databases) check.database(db);
        const cat = await catalog();
        const account = needAccount(cat, user, accountHost);
        needDatabases(cat, databases);
        if (databases.length === 0) return;
        await exec([...new Set(databases)].map((db) => q.grantAll(db, account.user, account.host)).join("\n"));
      }),

    revokeAccess: (name: string, host: string, database: string) =>
      serial(async () => {
        const user = check.user(name);
        const accountHost = check.host(host);
        check.database(database);
        const cat = await catalog();
        const account = needAccount(cat, user, accountHost);
        needDatabases(cat, [database]);
        const revokes = grantsOf(cat, account)
          .filter((g) => g.database === database)
          .map((g) => q.revokeAll(g.pattern, account.user, account.host));
        if (revokes.length === 0) return; // no access to take away
        await exec(revokes.join("\n")).catch(mapErrno({ [ER_NONEXISTING_GRANT]: () => undefined }));
      }),

    enableRoot: (password: string) =>
      serial(async (): Promise<RootCredentials> => {
        const id = identify(check.password("root password", password));
        await exec(q.enableRoot(id.clause), id.secrets);
        return { name: "root", password };
      }),

    async rootEnabled(): Promise<boolean> {
      return Boolean(findAccount(await catalog(), "root", "%"));
    },

    disableRoot: () =>
      serial(async () => {
        await exec(q.DISABLE_ROOT);
      }),
  };
}

/**
 * Prepare's converging run: databases that are missing are created (existing ones stay as they
 * are), users are created or get their password reset, and receive their grants; in password mode
 * root@localhost's password is reset too. Every listed database of a user must be in the spec or
 * exist already.
 */
export async function ensureDatabasesAndUsers(ctx: InstanceContext, spec: PrepareSpec, signal: AbortSignal): Promise<void> {
  const { flavor } = ctx;
  const check = specChecks(flavor.engine);
  const cat = await guard(ctx, () => readCatalog(ctx, signal));
  for (const db of spec.databases) {
    if (!hasDatabase(cat, db.name)) await checkCharset(ctx, db.characterSet, db.collation, signal);
  }
  const known = new Set([...spec.databases.map((db) => db.name), ...cat.databases.map((db) => db.name)]);
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
    statements.push(q.ensureUser(user.name, host, clause));
    for (const db of new Set(user.databases)) statements.push(q.grantAll(db, user.name, host));
  }
  await guard(ctx, () => runSql(ctx, statements.join("\n"), { signal, secrets }));
}

/** The password and every quoted literal of the SQL carrying it (its hash): kept out of error messages. */
function secretsOf(password: string, sql: string): string[] {
  return [password, ...[...sql.matchAll(/'([^']{8,})'/g)].map((m) => m[1] ?? "")];
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

/**
 * Runs an admin step; a server that cannot be reached becomes a DatastorePreconditionError, the
 * engine's character-set errors become DatastoreSpecError.
 */
async function guard<T>(ctx: InstanceContext, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof SqlError && err.isConnectionError) {
      throw new DatastorePreconditionError(`${ctx.flavor.displayName} is not running or not reachable on its socket: start the instance first`, { cause: err });
    }
    if (err instanceof SqlError && [ER_UNKNOWN_CHARACTER_SET, ER_UNKNOWN_COLLATION, ER_COLLATION_CHARSET_MISMATCH].includes(err.errno)) {
      throw new DatastoreSpecError(err.message, { cause: err });
    }
    throw err;
  }
}

/** A catch handler turning the listed engine error numbers into errors of ours (undefined: success). */
function mapErrno(table: Record<number, () => Error | undefined>): (err: unknown) => void {
  return (err) => {
    const map = err instanceof SqlError ? table[err.errno] : undefined;
    if (!map) throw err;
    const mapped = map();
    if (mapped) throw mapped;
  };
}
