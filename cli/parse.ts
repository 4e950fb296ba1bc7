// Parsers for flag values. They run before any API call, and their messages name the flag but never
// repeat a password.
import { create, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
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

/**
 * A moment given as ISO 8601 with its zone (`2026-01-02T03:04:05Z`, `...+02:00`): a time without a
 * zone would mean something else on every machine, so it is refused.
 */
export function parseTimeFlag(flag: string, raw: string): Date {
  const text = raw.trim();
  const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d:\d\d)$/i;
  const time = new Date(text);
  if (!iso.test(text) || Number.isNaN(time.getTime())) {
    throw new UsageError(`${flag} must be an ISO 8601 time with a zone, e.g. 2026-01-02T03:04:05Z, got "${raw}"`);
  }
  return time;
}

/** Comma-separated list items (repeatable flags pass several values), without leading blanks. */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trimStart());
}

/** `--databases a,b` (or `--roles ...`) -> the names, none of them empty. */
export function parseNames(flag: string, values: readonly string[] | undefined, what = "database name"): string[] {
  const names = splitList(values).map((n) => n.trim());
  if (names.some((n) => n === "")) throw new UsageError(`${flag} has an empty ${what}`);
  return names;
}

/** `--databases a,b` -> database definitions. */
export function parseDatabases(values: readonly string[] | undefined): DatabaseDefinition[] {
  return parseNames("--databases", values).map((name) => create(DatabaseDefinitionSchema, { name }));
}

/** An account of an instance's engine: its name and host ("" lets the engine pick its default, "%"). */
export interface UserRef {
  name: string;
  host: string;
}

/**
 * A user argument, `NAME` or Trove's `NAME@HOST` (split on the last '@', as a host never holds one),
 * with the --host flag. The host is given one way or the other, never both.
 */
export function parseUserRef(arg: string, hostFlag: string | undefined): UserRef {
  const at = arg.lastIndexOf("@");
  if (at < 0) {
    if (arg.trim() === "") throw new UsageError("the user name is empty");
    return { name: arg, host: hostFlag ?? "" };
  }
  const name = arg.slice(0, at);
  const host = arg.slice(at + 1);
  if (hostFlag !== undefined) {
    throw new UsageError(`give the host as NAME@HOST or with --host, not both ("${arg}" and --host "${hostFlag}")`);
  }
  if (name === "") throw new UsageError(`user "${arg}" has no name before '@' (expected NAME or NAME@HOST)`);
  if (host === "") throw new UsageError(`user "${arg}" has no host after '@' (expected NAME or NAME@HOST)`);
  return { name, host };
}

/** A flag that must not be given empty, e.g. `--new-password ""` (which the API would read as "no change"). */
export function nonEmptyFlag(flag: string, value: string | undefined): string | undefined {
  if (value === "") throw new UsageError(`${flag} must not be empty`);
  return value;
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

/** Where a configuration group's values come from on the command line. */
export interface ValueFlags {
  /** A JSON object (--values, or create's VALUES argument): its values keep their JSON types. */
  values?: string;
  /** `key=value` items; values stay strings, which the API converts by the parameter's type. */
  set?: readonly string[];
  /** Parameter names to take out of the group (update only): sent as JSON null. */
  unset?: readonly string[];
}

/**
 * --values, --set and --unset merged into one object, or undefined when none was given. A key named
 * twice, in one flag or across them, is a usage error rather than a silent override.
 */
export function parseValueFlags(flags: ValueFlags, valuesFlag = "--values"): JsonObject | undefined {
  if (flags.values === undefined && flags.set === undefined && flags.unset === undefined) return undefined;
  const merged: JsonObject = {};
  const from = new Map<string, string>();
  const add = (key: string, value: JsonValue, flag: string): void => {
    const earlier = from.get(key);
    if (earlier !== undefined) {
      throw new UsageError(`parameter "${key}" is given twice (${earlier === flag ? flag : `${earlier} and ${flag}`})`);
    }
    from.set(key, flag);
    merged[key] = value;
  };
  if (flags.values !== undefined) {
    for (const [key, value] of Object.entries(parseJsonObject(valuesFlag, flags.values))) add(key, value, valuesFlag);
  }
  for (const item of flags.set ?? []) {
    const eq = item.indexOf("=");
    if (eq < 0) throw new UsageError(`--set "${item}" must be key=value (no '=' found)`);
    const key = item.slice(0, eq).trim();
    if (key === "") throw new UsageError(`--set "${item}" must be key=value (no key before '=')`);
    add(key, item.slice(eq + 1), "--set");
  }
  for (const key of flags.unset ?? []) {
    if (key.trim() === "" || key.includes("=")) throw new UsageError(`--unset takes a parameter name, got "${key}"`);
    add(key.trim(), null, "--unset");
  }
  return merged;
}

/** A flag holding a JSON object, e.g. `--values '{"max_connections": 200}'`. */
export function parseJsonObject(flag: string, raw: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new UsageError(`${flag} is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new UsageError(`${flag} must be a JSON object, e.g. '{"max_connections": 200}'`);
  }
  return parsed as JsonObject;
}
