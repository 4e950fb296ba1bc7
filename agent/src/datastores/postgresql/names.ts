// The name rules of services/platform/datastore-names.ts, applied by the manager itself before an
// identifier reaches PostgreSQL, so a caller other than the RPC layer cannot slip a reserved name
// (postgres, root, pg_*, hoard*) or a host through.
import { checkDatabaseName, checkUserHost, checkUserName } from "../../../../services/platform/datastore-names.js";
import { DatastoreSpecError } from "../errors.js";

const ENGINE = "postgresql";

export function assertDatabaseName(name: string): void {
  const problem = checkDatabaseName(ENGINE, name);
  if (problem) throw new DatastoreSpecError(problem);
}

export function assertUserName(name: string): void {
  const problem = checkUserName(ENGINE, name);
  if (problem) throw new DatastoreSpecError(problem);
}

/** PostgreSQL roles are not bound to a client host; "" is the only host there is. */
export function assertNoHost(host: string | undefined): void {
  const problem = checkUserHost(ENGINE, host ?? "");
  if (problem) throw new DatastoreSpecError(problem);
}

/** A user or root password: PostgreSQL takes anything but an empty string or a NUL. */
export function assertPassword(what: string, password: string): void {
  if (password === "" || password.includes("\0")) throw new DatastoreSpecError(`${what} must be non-empty and without NUL`);
}
