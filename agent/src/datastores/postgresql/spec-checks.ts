// Checks a PrepareSpec before anything touches the disk, so a bad request fails fast with a clear
// DatastoreSpecError instead of half-way through prepare with a server error.
import { DatastoreSpecError } from "../errors.js";
import type { PrepareSpec, RestoreSpec, ServerSettings } from "../manager.js";
import { checkAllowedCidrs } from "./hba.js";
import { assertDatabaseName, assertUserName } from "./names.js";
import { checkParameters } from "./parameters.js";
import { deriveFlavorSettings } from "./settings.js";

/** Throws DatastoreSpecError for an impossible flavor, a parameter hoard.conf must not hold, or a malformed CIDR. */
export function checkServerSettings(settings: ServerSettings): void {
  deriveFlavorSettings(settings.ramMb, settings.vcpus);
  if (typeof settings.parameters !== "object" || settings.parameters === null) throw new DatastoreSpecError("parameters must be an object");
  if (!Array.isArray(settings.allowedCidrs)) throw new DatastoreSpecError("allowedCidrs must be a list");
  checkParameters(settings.parameters);
  checkAllowedCidrs(settings.allowedCidrs);
}

/**
 * Throws DatastoreSpecError for anything PostgreSQL would refuse or misread, or a name
 * datastore-names.ts reserves. UserSpec.host (a MySQL notion) is ignored: every user may connect
 * from anywhere, with its password.
 */
export function checkPrepareSpec(spec: PrepareSpec): void {
  checkServerSettings(spec);
  checkPassword("adminPassword", spec.adminPassword);
  for (const db of spec.databases) {
    assertDatabaseName(db.name);
    for (const value of [db.characterSet, db.collation]) {
      if (value !== undefined && (value === "" || value.includes("\0"))) {
        throw new DatastoreSpecError(`database ${JSON.stringify(db.name)} has an empty or invalid character set or collation`);
      }
    }
  }
  for (const user of spec.users) {
    // Reserved names include the agent's superuser (a user named like it would take over its
    // password) and root (EnableRoot's); longer names than 63 bytes PostgreSQL would truncate.
    assertUserName(user.name);
    checkPassword(`password of user ${JSON.stringify(user.name)}`, user.password);
    for (const database of user.databases) assertDatabaseName(database);
  }
}

/** Throws DatastoreSpecError for settings checkServerSettings refuses or an unusable admin password. */
export function checkRestoreSpec(spec: RestoreSpec): void {
  checkServerSettings(spec);
  checkPassword("adminPassword", spec.adminPassword);
}

/** Says which password is wrong, never what it is. */
function checkPassword(what: string, password: string): void {
  if (password.length === 0 || password.includes("\0")) throw new DatastoreSpecError(`${what} must be non-empty and without NUL`);
}
