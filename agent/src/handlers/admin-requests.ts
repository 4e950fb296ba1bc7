// Administrative requests (protobuf) to the arguments of DatastoreAdmin. Names and hosts are held
// to the engine's rules (services/platform/datastore-names.ts) before anything reaches the engine;
// each failure names the field and never echoes a password.
import type { Database, UpdateUserRequest, User } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { checkDatabaseName, checkUserHost, checkUserName } from "../../../services/platform/datastore-names.js";
import { InvalidArgumentError } from "../../../services/platform/errors.js";
import type { DatabaseSpec, UserChanges, UserSpec } from "../datastores/manager.js";

/**
 * The instance's engine id, whose name rules apply. Undefined when the agent was not told: then
 * only emptiness is checked here and the engine's manager applies its own rules.
 */
export type Engine = string | undefined;

export function databaseName(engine: Engine, field: string, name: string): string {
  return checked(field, name, engine && checkDatabaseName(engine, name));
}

export function userName(engine: Engine, field: string, name: string): string {
  return checked(field, name, engine && checkUserName(engine, name));
}

/** "" is "no host" (MariaDB reads it as '%'); engines without hosts accept nothing else. */
export function userHost(engine: Engine, field: string, host: string): string {
  const problem = engine ? checkUserHost(engine, host) : undefined;
  if (problem) throw new InvalidArgumentError(field, problem);
  return host;
}

export function databaseNames(engine: Engine, field: string, names: string[]): string[] {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    databaseName(engine, `${field}[${i}]`, name);
    if (seen.has(name)) throw new InvalidArgumentError(`${field}[${i}]`, `"${name}" is listed twice`);
    seen.add(name);
  });
  return names;
}

export function toDatabaseSpec(engine: Engine, db: Database | undefined): DatabaseSpec {
  if (!db) throw new InvalidArgumentError("database", "must be set");
  return {
    name: databaseName(engine, "database.name", db.name),
    ...(db.characterSet ? { characterSet: db.characterSet } : {}),
    ...(db.collation ? { collation: db.collation } : {}),
  };
}

export function toUserSpec(engine: Engine, user: User | undefined): UserSpec {
  if (!user) throw new InvalidArgumentError("user", "must be set");
  userName(engine, "user.name", user.name);
  userHost(engine, "user.host", user.host);
  password("user.password", user.password);
  return {
    name: user.name,
    password: user.password,
    ...(user.host ? { host: user.host } : {}),
    databases: [...databaseNames(engine, "user.databases", user.databases)],
  };
}

/** Empty fields stay as they are; a request that changes nothing is refused. */
export function toUserChanges(engine: Engine, req: UpdateUserRequest): UserChanges {
  const changes: UserChanges = {};
  if (req.newName !== "") changes.newName = userName(engine, "new_name", req.newName);
  if (req.newPassword !== "") changes.password = password("new_password", req.newPassword);
  if (req.newHost !== "") changes.newHost = userHost(engine, "new_host", req.newHost);
  if (Object.keys(changes).length === 0) throw new InvalidArgumentError("new_name", "nothing to change: set new_name, new_password or new_host");
  return changes;
}

export function password(field: string, value: string): string {
  if (value === "") throw new InvalidArgumentError(field, "must not be empty");
  if (value.includes("\0")) throw new InvalidArgumentError(field, "must not contain NUL");
  return value;
}

function checked(field: string, name: string, problem: string | undefined): string {
  if (name.trim() === "") throw new InvalidArgumentError(field, "must not be empty");
  if (problem) throw new InvalidArgumentError(field, problem);
  return name;
}
