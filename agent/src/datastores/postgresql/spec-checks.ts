// Checks a PrepareSpec before anything touches the disk, so a bad request fails fast with a clear
// DatastoreSpecError instead of half-way through prepare with a server error.
import type { PrepareSpec } from "../manager.js";
import { DatastoreSpecError } from "./errors.js";
import { ADMIN_ROLE } from "./paths.js";
import { deriveFlavorSettings } from "./settings.js";

/** PostgreSQL silently truncates longer names (NAMEDATALEN - 1); we refuse them instead. */
const MAX_NAME_BYTES = 63;

const RESERVED_DATABASES = new Set(["template0", "template1"]);

/**
 * Throws DatastoreSpecError for anything PostgreSQL would refuse or misread. UserSpec.host (a
 * MySQL notion) is ignored: every user may connect from anywhere, with its password.
 */
export function checkPrepareSpec(spec: PrepareSpec): void {
  deriveFlavorSettings(spec.ramMb, spec.vcpus); // throws on an impossible flavor
  checkPassword("adminPassword", spec.adminPassword);
  for (const db of spec.databases) {
    checkName("database", db.name);
    if (RESERVED_DATABASES.has(db.name)) throw new DatastoreSpecError(`database name ${db.name} is reserved`);
    for (const value of [db.characterSet, db.collation]) {
      if (value !== undefined && (value === "" || value.includes("\0"))) {
        throw new DatastoreSpecError(`database ${JSON.stringify(db.name)} has an empty or invalid character set or collation`);
      }
    }
  }
  for (const user of spec.users) {
    checkName("user", user.name);
    // The superuser is the agent's; a user named like it would take over its password.
    if (user.name === ADMIN_ROLE || user.name.startsWith("pg_")) {
      throw new DatastoreSpecError(`user name ${user.name} is reserved`);
    }
    checkPassword(`password of user ${JSON.stringify(user.name)}`, user.password);
    for (const database of user.databases) checkName("database", database);
  }
}

function checkName(kind: string, name: string): void {
  if (name.length === 0 || name.includes("\0") || Buffer.byteLength(name) > MAX_NAME_BYTES) {
    throw new DatastoreSpecError(`${kind} name ${JSON.stringify(name)} must be 1 to ${MAX_NAME_BYTES} bytes without NUL`);
  }
}

/** Says which password is wrong, never what it is. */
function checkPassword(what: string, password: string): void {
  if (password.length === 0 || password.includes("\0")) throw new DatastoreSpecError(`${what} must be non-empty and without NUL`);
}
