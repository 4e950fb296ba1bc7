// Prepare's databases, roles and the superuser's password, over an administrative pg connection:
// the superuser on the unix socket, authenticated by peer (see config-files.ts). Every step
// converges, so prepare can be repeated after an agent crash. Prepare grants as grantAccess does
// (access.ts); the administrative RPCs live in admin-ops.ts.
import pg from "pg";
import { DatastoreEngineError } from "../errors.js";
import type { DatabaseSpec, UserSpec } from "../manager.js";
import { closeDatabase, grantInDatabase } from "./admin-queries.js";
import type { InstanceContext } from "./context.js";
import { ADMIN_ROLE } from "./paths.js";
import {
  DATABASE_EXISTS,
  QUIET_SESSION,
  ROLE_EXISTS,
  alterLoginRole,
  createDatabase,
  createLoginRole,
  grantDatabase,
} from "./queries.js";
import { passwordForSql } from "./scram.js";

const DUPLICATE_DATABASE = "42P04";
const QUIET_OPTIONS = "-c log_statement=none -c log_min_duration_statement=-1 -c log_min_error_statement=panic";
const DUPLICATE_OBJECT = "42710";

/**
 * Connection settings of the administrative account; `password` is optional because peer needs
 * none. A quiet session (the default) keeps the agent's own statements, the probe's every few
 * seconds among them, out of the slow and general logs from the first one on, through startup
 * options that cost no round trip. Only a session that reads those settings' server-wide values
 * back (effectiveParameters) goes without: in a quiet one they read as the session's overrides.
 */
export function adminClientConfig(ctx: InstanceContext, database: string, timeoutMs: number, quiet = true): pg.ClientConfig {
  return {
    host: ctx.layout.runDir, // a directory: pg connects to `${runDir}/.s.PGSQL.${port}`
    port: ctx.layout.port,
    user: ADMIN_ROLE,
    database,
    application_name: "hoard-agent",
    ...(quiet ? { options: QUIET_OPTIONS } : {}),
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  };
}

/**
 * Runs `fn` with an administrative session on `database`, closing it afterwards. Aborting the
 * signal ends the connection, which fails the statement in flight. Quiet unless `quiet` is false
 * (see adminClientConfig); QUIET_SESSION repeats the startup options for the statements that may
 * carry a password, should the options ever be lost.
 */
export async function withAdminSession<T>(
  ctx: InstanceContext,
  database: string,
  signal: AbortSignal,
  fn: (client: pg.Client) => Promise<T>,
  quiet = true,
): Promise<T> {
  signal.throwIfAborted();
  const client = new pg.Client(adminClientConfig(ctx, database, 30_000, quiet));
  client.on("error", () => {}); // a dropped connection surfaces as the failed query; do not crash the agent
  const onAbort = (): void => void client.end().catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await client.connect();
    if (quiet) await client.query(QUIET_SESSION);
    return await fn(client);
  } catch (err) {
    signal.throwIfAborted();
    throw err;
  } finally {
    signal.removeEventListener("abort", onAbort);
    await client.end().catch(() => {});
  }
}

/** Gives the superuser the instance's own password (the template has none). */
export async function setAdminPassword(client: pg.Client, password: string): Promise<void> {
  await step(`setting the ${ADMIN_ROLE} password`, async () => {
    await client.query(alterLoginRole(ADMIN_ROLE, await passwordForSql(password)));
  });
}

/**
 * Creates each database that does not exist yet, closed to PUBLIC so only the users granted it can
 * connect (see access.ts); existing ones are left exactly as they are.
 */
export async function ensureDatabases(client: pg.Client, databases: DatabaseSpec[]): Promise<void> {
  for (const db of databases) {
    await step(`creating database ${JSON.stringify(db.name)}`, async () => {
      const found = await client.query(DATABASE_EXISTS, [db.name]);
      if (found.rowCount) return;
      const created = await client.query(createDatabase(db)).then(
        () => true,
        (err: unknown) => {
          if (sqlState(err) !== DUPLICATE_DATABASE) throw err; // created concurrently: fine
          return false;
        },
      );
      if (created) await client.query(closeDatabase(db.name));
    });
  }
}

/** Creates each user, or resets an existing one's password, and grants it its databases. */
export async function ensureUsers(client: pg.Client, users: UserSpec[]): Promise<void> {
  for (const user of users) {
    await step(`creating user ${JSON.stringify(user.name)}`, async () => {
      const password = await passwordForSql(user.password);
      const found = await client.query(ROLE_EXISTS, [user.name]);
      if (found.rowCount) {
        await client.query(alterLoginRole(user.name, password));
        return;
      }
      await client.query(createLoginRole(user.name, password)).catch(async (err: unknown) => {
        if (sqlState(err) !== DUPLICATE_OBJECT) throw err;
        await client.query(alterLoginRole(user.name, password));
      });
    });
    for (const database of user.databases) {
      await step(`granting database ${JSON.stringify(database)} to ${JSON.stringify(user.name)}`, () =>
        client.query(grantDatabase(database, user.name)),
      );
    }
  }
}

/** Lets `roles` create objects in schema public of the session's database and share them, as grantAccess does. */
export async function grantSchemaPublic(client: pg.Client, database: string, roles: string[]): Promise<void> {
  for (const role of roles) {
    await step(`granting schema public of ${JSON.stringify(database)} to ${JSON.stringify(role)}`, async () => {
      for (const sql of grantInDatabase(role)) await client.query(sql);
    });
  }
}

/** Names the failed step; the server's message never echoes the statement, so no password leaks. */
async function step(what: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new DatastoreEngineError(`${what} failed: ${message}`, sqlState(err) ?? "");
  }
}

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
