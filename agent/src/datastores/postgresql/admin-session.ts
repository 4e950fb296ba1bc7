// Sessions of the administrative operations (databases, users, root): the agent's superuser on the
// unix socket, with PostgreSQL's failures turned into the shared error classes callers map to
// Connect codes. Messages name what failed, never a statement, so no password leaks.
import type pg from "pg";
import { withAdminSession } from "./admin.js";
import type { InstanceContext } from "./context.js";
import {
  DatastoreConflictError,
  DatastoreEngineError,
  DatastoreNotFoundError,
  DatastorePreconditionError,
  DatastoreSpecError,
} from "../errors.js";

/** The database administrative sessions connect to unless they work inside a user database. */
export const ADMIN_DATABASE = "postgres";

/** SQLSTATEs the administrative operations tell apart. */
export const SqlState = {
  undefinedDatabase: "3D000",
  undefinedObject: "42704",
  duplicateObject: "42710",
  duplicateDatabase: "42P04",
  cannotConnectNow: "57P03",
  adminShutdown: "57P01",
} as const;

// Administrative calls carry no signal: each statement is bounded by the session's own timeouts.
const never = new AbortController().signal;

/**
 * Runs `fn` in a session on `database`, naming the step in any error. A server that does not accept
 * connections (stopped, starting, shutting down) is a DatastorePreconditionError: the instance is
 * not ready. A database that vanished is NotFound; a role or database that appeared is Conflict.
 * Operations that take a signal (configure, log switches) pass it on; aborting ends the session.
 * `quiet: false` only for reading logging settings back (see adminClientConfig).
 */
export async function adminSession<T>(
  ctx: InstanceContext,
  database: string,
  what: string,
  fn: (client: pg.Client) => Promise<T>,
  { signal = never, quiet = true }: { signal?: AbortSignal; quiet?: boolean } = {},
): Promise<T> {
  try {
    return await withAdminSession(ctx, database, signal, fn, quiet);
  } catch (err) {
    signal.throwIfAborted();
    throw translate(err, what);
  }
}

/** BEGIN, `fn`, COMMIT; ROLLBACK when `fn` throws, so nothing of it stays. */
export async function inTransaction<T>(client: pg.Client, fn: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const result = await fn();
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}

/** Awaits `work`, treating a database that does not exist (any more) as nothing left to do. */
export async function skipMissingDatabase(work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (err) {
    if (!(err instanceof DatastoreNotFoundError)) throw err;
  }
}

export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** `database "a"` or `databases "a", "b"`, for messages. */
export function nameList(kind: string, names: string[]): string {
  return `${kind}${names.length > 1 ? "s" : ""} ${names.map((n) => `"${n}"`).join(", ")}`;
}

const typed = [DatastoreSpecError, DatastorePreconditionError, DatastoreNotFoundError, DatastoreConflictError, DatastoreEngineError];

function translate(err: unknown, what: string): Error {
  if (typed.some((kind) => err instanceof kind)) return err as Error;
  const message = err instanceof Error ? err.message : String(err);
  const state = sqlState(err);
  switch (state) {
    case "ECONNREFUSED":
    case "ENOENT":
    case SqlState.cannotConnectNow:
    case SqlState.adminShutdown:
      return new DatastorePreconditionError(`instance is not ready: PostgreSQL is not accepting connections (${message})`);
    case SqlState.undefinedDatabase: // 'database "x" does not exist', connecting or in a statement
    case SqlState.undefinedObject: // 'role "x" does not exist'
      return new DatastoreNotFoundError(message);
    case SqlState.duplicateObject: // 'role "x" already exists'
    case SqlState.duplicateDatabase:
      return new DatastoreConflictError(message);
    default:
      return new DatastoreEngineError(`${what} failed: ${message}`, state ?? "", { cause: err });
  }
}
