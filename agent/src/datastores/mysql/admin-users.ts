// Users, grants and root over the admin connection, in terms of the logical accounts the API
// knows: while allowed networks are set, user@'%' stands as one account per network (access.ts),
// and every operation here acts on all of them together. Each operation reads the catalog and the
// agent's record first and refuses with NotFound or Conflict before it changes anything.
import { DatastoreConflictError, DatastoreNotFoundError } from "../errors.js";
import type { DatastoreAdmin, RootCredentials, UserChanges, UserInfo, UserSpec } from "../manager.js";
import { concreteAccounts, forgetCopies, forgetLocks, logicalHost, lockedByAgent, mustLock, recordCopies, recordLock, targetHosts } from "./access.js";
import { copyStatements, syncAccess } from "./access-sync.js";
import { ER_CANNOT_USER, ER_NONEXISTING_GRANT, guard, mapErrno, secretsOf, type Serial } from "./admin-support.js";
import { readAgentState, writeAgentState, type AccessRecord, type AgentState } from "./agent-state.js";
import { findAccount, grantsOf, hasDatabase, readCatalog, type Catalog, type CatalogAccount } from "./catalog.js";
import { runSql, SqlError } from "./client.js";
import type { InstanceContext } from "./context.js";
import * as q from "./queries.js";
import { specChecks } from "./spec-checks.js";

type UserAdmin = Omit<DatastoreAdmin, "capabilities" | "listDatabases" | "createDatabase" | "deleteDatabase">;

/** The user, grant and root operations of a MySQL-family manager. Mutations run through `serial`. */
export function createUserAdmin(ctx: InstanceContext, serial: Serial): UserAdmin {
  const { flavor } = ctx;
  const check = specChecks(flavor.engine);
  const never = new AbortController().signal;

  const identify = (password: string): { clause: string; secrets: string[] } => {
    const clause = flavor.identifiedBy(password);
    return { clause, secrets: secretsOf(password, clause) };
  };
  const catalog = (): Promise<Catalog> => guard(ctx, () => readCatalog(ctx, never));
  const exec = (sql: string, secrets: string[] = []): Promise<unknown> => guard(ctx, () => runSql(ctx, sql, { signal: never, secrets }));
  /** The catalog and the agent's record, read together. */
  const snapshot = async (): Promise<{ cat: Catalog; state: AgentState; record: AccessRecord }> => {
    const [cat, state] = await Promise.all([catalog(), readAgentState(ctx)]);
    return { cat, state, record: state.access };
  };
  const needAccounts = (cat: Catalog, record: AccessRecord, user: string, host: string): CatalogAccount[] => {
    const found = concreteAccounts(cat.accounts, record, user, host);
    if (found.length === 0) throw new DatastoreNotFoundError(`user ${user}@${host} does not exist`);
    return found;
  };
  const needDatabases = (cat: Catalog, names: string[]): void => {
    const missing = names.filter((name) => !hasDatabase(cat, name));
    if (missing.length > 0) throw new DatastoreNotFoundError(`database${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ${missing.length > 1 ? "do" : "does"} not exist`);
  };
  /** Re-checks locks after a host changed; nothing to do while no networks are set and no lock is the agent's. */
  const resync = async (record: AccessRecord): Promise<void> => {
    if (record.cidrs.length > 0 || record.locked.length > 0) await guard(ctx, () => syncAccess(ctx, never));
  };

  return {
    async listUsers(): Promise<UserInfo[]> {
      const { cat, record } = await snapshot();
      const hidden = new Set(["root", "", ...flavor.hiddenAccounts].map((u) => u.toLowerCase()));
      const users = new Map<string, UserInfo>();
      for (const account of cat.accounts) {
        if (hidden.has(account.user.toLowerCase()) || account.user.toLowerCase().startsWith("hoard")) continue;
        const host = logicalHost(record, account);
        const key = `${account.user}\0${host.toLowerCase()}`;
        const user = users.get(key) ?? { name: account.user, host, databases: [] };
        user.databases = [...new Set([...user.databases, ...grantsOf(cat, account).map((g) => g.database)])].sort();
        users.set(key, user);
      }
      return [...users.values()].sort((a, b) => a.name.localeCompare(b.name) || a.host.localeCompare(b.host));
    },

    createUser: (spec: UserSpec) =>
      serial(async () => {
        const user = check.user(spec.name);
        const host = check.host(spec.host);
        const password = check.password(`password of user ${user}`, spec.password);
        for (const db of spec.databases) check.database(db);
        const { cat, state, record } = await snapshot();
        if (concreteAccounts(cat.accounts, record, user, host).length > 0) throw new DatastoreConflictError(`user ${user}@${host} already exists`);
        const hosts = targetHosts(record, host);
        for (const h of hosts) if (findAccount(cat, user, h)) throw new DatastoreConflictError(`user ${user}@${h} already exists`);
        needDatabases(cat, spec.databases);
        const lock = host !== "%" && mustLock(record, { user, host });
        if (host === "%") recordCopies(record, user, hosts);
        if (lock) recordLock(record, { user, host });
        if (hosts.length > 1 || hosts[0] !== host || lock) await writeAgentState(ctx, state);
        const id = identify(password);
        const statements = hosts.flatMap((h) => [q.createUser(user, h, id.clause), ...[...new Set(spec.databases)].map((db) => q.grantAll(db, user, h))]);
        if (lock) statements.push(q.setAccountLock(user, host, true));
        try {
          await exec(statements.join("\n"), id.secrets);
        } catch (err) {
          if (err instanceof SqlError && err.errno === ER_CANNOT_USER) throw new DatastoreConflictError(`user ${user}@${host} already exists`);
          await exec(hosts.map((h) => q.dropUser(user, h, true)).join("\n")).catch(() => {}); // nothing half-made stays behind
          throw err;
        }
      }),

    deleteUser: (name: string, host: string) =>
      serial(async () => {
        const user = check.user(name);
        const logical = check.host(host);
        const { cat, state, record } = await snapshot();
        const accounts = needAccounts(cat, record, user, logical);
        await exec(accounts.map((a) => q.dropUser(a.user, a.host)).join("\n")).catch(
          mapErrno({ [ER_CANNOT_USER]: () => new DatastoreNotFoundError(`user ${user}@${logical} does not exist`) }),
        );
        if (logical === "%") forgetCopies(record, user);
        forgetLocks(record, accounts);
        await writeAgentState(ctx, state);
      }),

    updateUser: (name: string, host: string, changes: UserChanges) =>
      serial(async () => {
        const user = check.user(name);
        const currentHost = check.host(host);
        const newUser = changes.newName !== undefined ? check.user(changes.newName) : user;
        const newHostGiven = changes.newHost !== undefined ? check.host(changes.newHost) : undefined;
        const id = changes.password !== undefined ? identify(check.password(`new password of user ${user}`, changes.password)) : undefined;
        const { cat, state, record } = await snapshot();
        const accounts = needAccounts(cat, record, user, currentHost);
        const logicalNow = currentHost === "%" ? "%" : accounts[0]!.host;
        const newHost = newHostGiven ?? logicalNow;
        const hostChanged = newHost.toLowerCase() !== logicalNow.toLowerCase();
        const renaming = newUser !== user || hostChanged;
        const targets = hostChanged ? targetHosts(record, newHost) : accounts.map((a) => a.host);
        if (renaming) {
          const taken = [...concreteAccounts(cat.accounts, record, newUser, newHost), ...targets.flatMap((t) => findAccount(cat, newUser, t) ?? [])];
          const clash = taken.find((a) => !accounts.includes(a));
          if (clash) throw new DatastoreConflictError(`user ${newUser}@${clash.host === "%" || newHost === "%" ? newHost : clash.host} already exists`);
        }
        const { pairs, extraTargets, extraAccounts } = pairUp(accounts, targets);
        if (!renaming && !id) return;

        if (renaming) {
          // Before the SQL, so a crash halfway leaves accounts the record still recognises.
          if (newHost === "%") recordCopies(record, newUser, targets);
          for (const [from, to] of pairs) if (lockedByAgent(record, from)) recordLock(record, { user: newUser, host: to });
          await writeAgentState(ctx, state);
        }
        const statements = [
          ...pairs.filter(([from, to]) => from.user !== newUser || from.host !== to).map(([from, to]) => q.renameUser(from.user, from.host, newUser, to)),
          ...(id ? pairs.map(([, to]) => q.alterPassword(newUser, to, id.clause)) : []),
          ...extraAccounts.map((a) => q.dropUser(a.user, a.host)),
        ];
        await exec(statements.join("\n"), id?.secrets).catch(
          mapErrno({
            [ER_CANNOT_USER]: () =>
              renaming ? new DatastoreConflictError(`user ${newUser}@${newHost} already exists`) : new DatastoreNotFoundError(`user ${user}@${currentHost} does not exist`),
          }),
        );
        const [first] = pairs;
        if (first && extraTargets.length > 0) {
          const copies = await guard(ctx, () => copyStatements(ctx, extraTargets.map((h) => ({ from: { user: newUser, host: first[1] }, host: h })), never));
          await exec(copies.statements.join("\n"), copies.secrets);
        }
        if (renaming) {
          if (user !== newUser || newHost !== "%") forgetCopies(record, user);
          if (newHost === "%") recordCopies(record, newUser, targets);
          forgetLocks(record, accounts.filter((a) => a.user !== newUser || !targets.includes(a.host)));
          await writeAgentState(ctx, state);
          await resync(record);
        }
      }),

    grantAccess: (name: string, host: string, databases: string[]) =>
      serial(async () => {
        const user = check.user(name);
        const logical = check.host(host);
        for (const db of databases) check.database(db);
        const { cat, record } = await snapshot();
        const accounts = needAccounts(cat, record, user, logical);
        needDatabases(cat, databases);
        if (databases.length === 0) return;
        await exec(accounts.flatMap((a) => [...new Set(databases)].map((db) => q.grantAll(db, a.user, a.host))).join("\n"));
      }),

    revokeAccess: (name: string, host: string, database: string) =>
      serial(async () => {
        const user = check.user(name);
        const logical = check.host(host);
        check.database(database);
        const { cat, record } = await snapshot();
        const accounts = needAccounts(cat, record, user, logical);
        needDatabases(cat, [database]);
        const revokes = accounts.flatMap((a) =>
          grantsOf(cat, a)
            .filter((g) => g.database === database)
            .map((g) => q.revokeAll(g.pattern, a.user, a.host)),
        );
        if (revokes.length === 0) return; // no access to take away
        await exec(revokes.join("\n")).catch(mapErrno({ [ER_NONEXISTING_GRANT]: () => undefined }));
      }),

    enableRoot: (password: string) =>
      serial(async (): Promise<RootCredentials> => {
        const id = identify(check.password("root password", password));
        const { cat, state, record } = await snapshot();
        const existing = concreteAccounts(cat.accounts, record, "root", "%");
        const targets = targetHosts(record, "%");
        recordCopies(record, "root", targets);
        await writeAgentState(ctx, state);
        const drops = existing.filter((a) => !targets.some((t) => t.toLowerCase() === a.host.toLowerCase()));
        await exec([...targets.map((h) => q.enableRoot(id.clause, h)), ...drops.map((a) => q.dropUser(a.user, a.host, true))].join("\n"), id.secrets);
        return { name: "root", password };
      }),

    async rootEnabled(): Promise<boolean> {
      const { cat, record } = await snapshot();
      return concreteAccounts(cat.accounts, record, "root", "%").length > 0;
    },

    disableRoot: () =>
      serial(async () => {
        const { cat, state, record } = await snapshot();
        const accounts = concreteAccounts(cat.accounts, record, "root", "%");
        await exec([q.dropUser("root", "%", true), ...accounts.map((a) => q.dropUser(a.user, a.host, true))].join("\n"));
        forgetCopies(record, "root");
        forgetLocks(record, accounts);
        await writeAgentState(ctx, state);
      }),
  };
}

/**
 * Which account becomes which target host when a logical account is renamed or moved: accounts
 * keep their host where it is still a target, the others are paired in order; targets left over
 * are copies to make, accounts left over are dropped.
 */
function pairUp(accounts: readonly CatalogAccount[], targets: readonly string[]): {
  pairs: Array<[CatalogAccount, string]>;
  extraTargets: string[];
  extraAccounts: CatalogAccount[];
} {
  const pairs: Array<[CatalogAccount, string]> = [];
  const freeTargets = [...targets];
  const freeAccounts: CatalogAccount[] = [];
  for (const account of accounts) {
    const same = freeTargets.findIndex((t) => t.toLowerCase() === account.host.toLowerCase());
    if (same >= 0) pairs.push([account, freeTargets.splice(same, 1)[0]!]);
    else freeAccounts.push(account);
  }
  while (freeAccounts.length > 0 && freeTargets.length > 0) pairs.push([freeAccounts.shift()!, freeTargets.shift()!]);
  return { pairs, extraTargets: freeTargets, extraAccounts: freeAccounts };
}
