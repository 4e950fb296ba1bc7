// A snapshot of the server's databases, accounts and database-level grants, read in one round trip
// before an admin operation changes anything, so NotFound and Conflict are decided up front and a
// refused request leaves the server as it was.
import type { DatabaseInfo } from "../manager.js";
import { runSql } from "./client.js";
import type { InstanceContext } from "./context.js";
import { catalogQuery, SYSTEM_DATABASES } from "./queries.js";
import { unescapeGrantDatabase } from "./sql.js";

/** One 'user'@'host' account as stored. */
export interface AccountRef {
  user: string;
  host: string;
}

/** An account of the catalog, with whether it is locked (ACCOUNT LOCK). */
export interface CatalogAccount extends AccountRef {
  locked: boolean;
}

/** A database-level grant: `pattern` as mysql.db stores it, `database` what it stands for. */
export interface GrantRef extends AccountRef {
  pattern: string;
  database: string;
}

/** What readCatalog returns. */
export interface Catalog {
  /** Every database, system ones included. */
  databases: DatabaseInfo[];
  accounts: CatalogAccount[];
  grants: GrantRef[];
}

/** Reads the catalog over the admin connection. */
export async function readCatalog(ctx: InstanceContext, signal: AbortSignal): Promise<Catalog> {
  const rows = await runSql(ctx, catalogQuery(ctx.flavor.accountsQuery), { signal });
  const catalog: Catalog = { databases: [], accounts: [], grants: [] };
  for (const [tag = "", a = "", b = "", c = ""] of rows) {
    if (tag === "d") catalog.databases.push({ name: a, characterSet: b, collation: c });
    else if (tag === "a") catalog.accounts.push({ user: a, host: b, locked: c === "Y" });
    else if (tag === "g") catalog.grants.push({ user: a, host: b, pattern: c, database: unescapeGrantDatabase(c) });
  }
  return catalog;
}

/** Databases users see: no system schema, no '#mysql50#' directory names (lost+found and the like). */
export function isUserDatabase(name: string): boolean {
  return !SYSTEM_DATABASES.includes(name.toLowerCase()) && !name.startsWith("#");
}

/** Host parts compare case-insensitively, as the server matches them. */
export function sameAccount(a: AccountRef, user: string, host: string): boolean {
  return a.user === user && a.host.toLowerCase() === host.toLowerCase();
}

/** The stored account matching user and host, if any. */
export function findAccount(catalog: Catalog, user: string, host: string): CatalogAccount | undefined {
  return catalog.accounts.find((a) => sameAccount(a, user, host));
}

/** Database names are case-sensitive on Linux (lower_case_table_names=0). */
export function hasDatabase(catalog: Catalog, name: string): boolean {
  return catalog.databases.some((db) => db.name === name);
}

/** Grants of one account. */
export function grantsOf(catalog: Catalog, account: AccountRef): GrantRef[] {
  return catalog.grants.filter((g) => sameAccount(g, account.user, account.host));
}
