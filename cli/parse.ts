// Parsers for flag values. They run before any API call, and their messages name the flag but never
// repeat a password.
import { create } from "@bufbuild/protobuf";
import {
  DatabaseDefinitionSchema,
  UserDefinitionSchema,
  type DatabaseDefinition,
  type UserDefinition,
} from "../gen/proto/hoard/v1/instance_pb.js";
import { UsageError } from "./errors.js";

/** An integer flag in [min, max], e.g. `--size 2`. */
export function parseIntFlag(flag: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`${flag} must be a whole number, got "${raw}"`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Comma-separated list items (repeatable flags pass several values), without leading blanks. */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trimStart());
}

/** `--databases a,b` -> database definitions. */
export function parseDatabases(values: readonly string[] | undefined): DatabaseDefinition[] {
  const names = splitList(values).map((n) => n.trim());
  if (names.some((n) => n === "")) throw new UsageError("--databases has an empty database name");
  return names.map((name) => create(DatabaseDefinitionSchema, { name }));
}

/**
 * `--users name:password[@host],...` -> user definitions with access to `databases`, as Trove gives
 * the users of a create access to its databases. The name ends at the first ':' (a password may
 * contain ':'); a host follows the last '@' (a password containing '@' ends with '@' for the default
 * host). Trailing blanks belong to the password.
 */
export function parseUsers(values: readonly string[] | undefined, databases: readonly string[]): UserDefinition[] {
  return splitList(values).map((entry, index) => {
    const where = `--users entry ${index + 1}`;
    if (entry.trim() === "") throw new UsageError(`${where} is empty (expected name:password[@host])`);
    const colon = entry.indexOf(":");
    if (colon < 0) throw new UsageError(`${where} must be name:password[@host] (no ':' found)`);
    const name = entry.slice(0, colon);
    if (name === "") throw new UsageError(`${where} has no user name before ':' (expected name:password[@host])`);
    const rest = entry.slice(colon + 1);
    const at = rest.lastIndexOf("@");
    const password = at < 0 ? rest : rest.slice(0, at);
    const host = at < 0 ? "" : rest.slice(at + 1);
    if (password === "") throw new UsageError(`${where} (user "${name}") has an empty password`);
    return create(UserDefinitionSchema, { name, password, host, databases: [...databases] });
  });
}
