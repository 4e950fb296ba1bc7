// Name, host and password checks before anything reaches SQL: the shared rules of
// services/platform/datastore-names.ts for the flavor's engine, turned into DatastoreSpecError.
import { checkDatabaseName, checkPassword, checkUserHost, checkUserName } from "../../../../services/platform/datastore-names.js";
import { DatastoreSpecError } from "../errors.js";
import type { PrepareSpec, RestoreSpec } from "../manager.js";
import { checkFlavor } from "./settings.js";
import { charsetName } from "./sql.js";

/** The validators of one engine. */
export interface SpecChecks {
  database(name: string): string;
  user(name: string): string;
  /** Returns the account host to use: "" means any host, '%'. */
  host(host: string | undefined): string;
  /** Says which password is wrong, never what it is. */
  password(what: string, password: string): string;
  charset(characterSet: string | undefined, collation: string | undefined): void;
}

/** The checks for `engine` ("mariadb", later "mysql"). */
export function specChecks(engine: string): SpecChecks {
  const fail = (problem: string | undefined): void => {
    if (problem !== undefined) throw new DatastoreSpecError(problem);
  };
  return {
    database: (name) => (fail(checkDatabaseName(engine, name)), name),
    user: (name) => (fail(checkUserName(engine, name)), name),
    host: (host) => {
      const value = host ?? "";
      fail(checkUserHost(engine, value));
      return value === "" ? "%" : value;
    },
    password: (what, password) => {
      const problem = checkPassword(password);
      if (problem !== undefined) throw new DatastoreSpecError(`${what}: ${problem}`);
      return password;
    },
    charset: (characterSet, collation) => {
      if (characterSet !== undefined && characterSet !== "") charsetName("character set", characterSet);
      if (collation !== undefined && collation !== "") charsetName("collation", collation);
    },
  };
}

/** Throws DatastoreSpecError for anything in a PrepareSpec the engine would refuse or misread. */
export function checkPrepareSpec(engine: string, spec: PrepareSpec): void {
  const check = specChecks(engine);
  checkFlavor(spec.ramMb, spec.vcpus);
  check.password("adminPassword", spec.adminPassword);
  for (const db of spec.databases) {
    check.database(db.name);
    check.charset(db.characterSet, db.collation);
  }
  const accounts = new Set<string>();
  for (const user of spec.users) {
    check.user(user.name);
    const host = check.host(user.host);
    check.password(`password of user ${JSON.stringify(user.name)}`, user.password);
    for (const database of user.databases) check.database(database);
    const key = `${user.name}@${host.toLowerCase()}`;
    if (accounts.has(key)) throw new DatastoreSpecError(`user ${user.name}@${host} is listed twice`);
    accounts.add(key);
  }
}

/** Throws DatastoreSpecError for a flavor the server cannot run in or an unusable admin password. */
export function checkRestoreSpec(engine: string, spec: RestoreSpec): void {
  checkFlavor(spec.ramMb, spec.vcpus);
  specChecks(engine).password("adminPassword", spec.adminPassword);
}
