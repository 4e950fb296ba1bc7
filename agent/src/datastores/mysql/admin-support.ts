// What the database and the user halves of the admin operations share: the manager's queue type,
// the engine's error numbers they translate, and the wrappers that turn engine failures into the
// errors of ../errors.ts without ever carrying a password.
import { DatastorePreconditionError, DatastoreSpecError } from "../errors.js";
import { SqlError } from "./client.js";
import type { InstanceContext } from "./context.js";

export const ER_DB_CREATE_EXISTS = 1007;
export const ER_DB_DROP_EXISTS = 1008;
export const ER_UNKNOWN_CHARACTER_SET = 1115;
export const ER_COLLATION_CHARSET_MISMATCH = 1253;
export const ER_UNKNOWN_COLLATION = 1273;
export const ER_CANNOT_USER = 1396;
export const ER_NONEXISTING_GRANT = 1141;

/** Runs tasks one after another (the manager's queue, shared with the lifecycle operations). */
export type Serial = <T>(task: () => Promise<T>) => Promise<T>;

/** The password and every quoted literal of the SQL carrying it (its hash): kept out of error messages. */
export function secretsOf(password: string, sql: string): string[] {
  return [password, ...[...sql.matchAll(/'([^']{8,})'/g)].map((m) => m[1] ?? "")];
}

/**
 * Runs an admin step; a server that cannot be reached becomes a DatastorePreconditionError, the
 * engine's character-set errors become DatastoreSpecError.
 */
export async function guard<T>(ctx: InstanceContext, run: () => Promise<T>): Promise<T> {
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
export function mapErrno(table: Record<number, () => Error | undefined>): (err: unknown) => void {
  return (err) => {
    const map = err instanceof SqlError ? table[err.errno] : undefined;
    if (!map) throw err;
    const mapped = map();
    if (mapped) throw mapped;
  };
}
