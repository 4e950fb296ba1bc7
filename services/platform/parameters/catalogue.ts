// Parameter catalogues: the strict parser an operator's file goes through (hoard-manage), and the
// catalogues bundled with Hoard under catalogue/parameters/, found from this file's location so the
// same code works run from source (tsx) and compiled (dist/).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import type { ParameterCatalogue, ParameterDefinition, ParameterType } from "./types.js";
import { checkValue } from "./value.js";

/** A catalogue that fails the checks; `problems` lists every one, the message too. */
export class CatalogueError extends InvalidArgumentError {
  constructor(
    readonly problems: readonly string[],
    source = "catalogue",
  ) {
    super(source, problems.length === 1 ? (problems[0] as string) : `${problems.length} problems:\n- ${problems.join("\n- ")}`);
  }
}

const TYPES: readonly ParameterType[] = ["integer", "float", "boolean", "string"];
const TOP_KEYS = ["datastore", "version", "booleans", "parameters"];
const COMMON_KEYS = ["name", "type", "restartRequired", "description", "engineDefault"];
const KEYS_BY_TYPE: Record<ParameterType, string[]> = {
  integer: [...COMMON_KEYS, "min", "max", "unit"],
  float: [...COMMON_KEYS, "min", "max", "unit"],
  boolean: COMMON_KEYS,
  string: [...COMMON_KEYS, "allowed", "pattern"],
};
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ID = /^[a-z0-9][a-z0-9.-]*$/;

/**
 * Checks a parsed JSON document against the catalogue format (catalogue/parameters/README.md) and
 * returns it typed and frozen. Throws CatalogueError naming every problem at once.
 */
export function parseCatalogue(json: unknown, source?: string): ParameterCatalogue {
  const problems: string[] = [];
  if (!isObject(json)) throw new CatalogueError(["must be a JSON object"], source);
  unknownKeys(json, TOP_KEYS, "", problems);
  const datastore = json.datastore;
  const version = json.version;
  if (typeof datastore !== "string" || !ID.test(datastore)) problems.push(`datastore must be a lower-case engine id such as "postgresql", got ${JSON.stringify(datastore)}`);
  if (typeof version !== "string" || !ID.test(version)) problems.push(`version must be a version name such as "15", got ${JSON.stringify(version)}`);
  const booleans = parseBooleans(json.booleans, problems);
  const parameters: ParameterDefinition[] = [];
  if (!Array.isArray(json.parameters) || json.parameters.length === 0) {
    problems.push("parameters must be a non-empty list");
  } else {
    const seen = new Set<string>();
    json.parameters.forEach((raw: unknown, i: number) => {
      const name = isObject(raw) ? raw.name : undefined;
      if (typeof name === "string" && seen.has(name)) problems.push(`parameters[${i}] "${name}": listed twice`);
      if (typeof name === "string") seen.add(name);
      const def = parseDefinition(raw, `parameters[${i}]`, booleans, problems);
      if (def !== undefined) parameters.push(def);
    });
  }
  if (problems.length > 0) throw new CatalogueError(problems, source);
  return deepFreeze({ datastore: datastore as string, version: version as string, booleans, parameters });
}

function parseBooleans(raw: unknown, problems: string[]): readonly [string, string] {
  const ok =
    Array.isArray(raw) &&
    raw.length === 2 &&
    raw.every((b) => typeof b === "string" && /^[A-Za-z0-9]+$/.test(b)) &&
    String(raw[0]).toLowerCase() !== String(raw[1]).toLowerCase();
  if (!ok) {
    problems.push(`booleans must be the engine's spelling of true and false, such as ["on", "off"], got ${JSON.stringify(raw)}`);
    return ["true", "false"];
  }
  return [raw[0] as string, raw[1] as string];
}

/** One definition, or undefined when it is too broken to use (its problems are recorded). */
function parseDefinition(raw: unknown, at: string, booleans: readonly [string, string], problems: string[]): ParameterDefinition | undefined {
  if (!isObject(raw)) {
    problems.push(`${at}: must be an object`);
    return undefined;
  }
  const name = raw.name;
  if (typeof name !== "string" || !NAME.test(name)) {
    problems.push(`${at}: name must be an engine parameter name, got ${JSON.stringify(name)}`);
    return undefined;
  }
  const where = `${at} "${name}"`;
  const type = raw.type as ParameterType;
  if (!TYPES.includes(type)) {
    problems.push(`${where}: type must be one of ${TYPES.join(", ")}, got ${JSON.stringify(raw.type)}`);
    return undefined;
  }
  const before = problems.length;
  unknownKeys(raw, KEYS_BY_TYPE[type], `${where}: `, problems);
  if (typeof raw.restartRequired !== "boolean") problems.push(`${where}: restartRequired must be true or false`);
  if (typeof raw.description !== "string" || raw.description.trim() === "") problems.push(`${where}: description must be a non-empty string`);
  if (raw.engineDefault !== undefined && typeof raw.engineDefault !== "string") problems.push(`${where}: engineDefault must be a string`);
  if (raw.unit !== undefined && (typeof raw.unit !== "string" || raw.unit === "")) problems.push(`${where}: unit must be a non-empty string`);
  if (type === "integer" || type === "float") checkRange(raw, type, where, problems);
  if (type === "string") checkStringRules(raw, where, problems);
  if (problems.length > before) return undefined;
  const def = raw as unknown as ParameterDefinition;
  if (def.engineDefault !== undefined) {
    const check = checkValue(def, booleans, def.engineDefault);
    if (!check.ok) problems.push(`${where}: engineDefault ${JSON.stringify(def.engineDefault)}: ${check.problem}`);
    else if (check.value !== def.engineDefault) problems.push(`${where}: engineDefault must be written as it renders, ${JSON.stringify(check.value)}`);
  }
  return def;
}

function checkRange(raw: Record<string, unknown>, type: "integer" | "float", where: string, problems: string[]): void {
  const { min, max } = raw;
  for (const [key, value] of [["min", min], ["max", max]] as const) {
    if (type === "integer" && !Number.isSafeInteger(value)) problems.push(`${where}: ${key} must be an integer within ±${Number.MAX_SAFE_INTEGER}, got ${JSON.stringify(value)}`);
    if (type === "float" && !(typeof value === "number" && Number.isFinite(value))) problems.push(`${where}: ${key} must be a finite number, got ${JSON.stringify(value)}`);
  }
  if (typeof min === "number" && typeof max === "number" && min > max) problems.push(`${where}: min ${min} is above max ${max}`);
}

function checkStringRules(raw: Record<string, unknown>, where: string, problems: string[]): void {
  const { allowed, pattern } = raw;
  if (allowed !== undefined) {
    const ok = Array.isArray(allowed) && allowed.length > 0 && allowed.every((a) => typeof a === "string" && a !== "" && !/[\u0000-\u001f]/.test(a));
    if (!ok) problems.push(`${where}: allowed must be a non-empty list of strings`);
    else if (new Set(allowed.map((a: string) => a.toLowerCase())).size !== allowed.length) problems.push(`${where}: allowed lists a value twice (values match case-insensitively)`);
    if (pattern !== undefined) problems.push(`${where}: give allowed or pattern, not both`);
  }
  if (pattern !== undefined) {
    if (typeof pattern !== "string" || pattern === "") problems.push(`${where}: pattern must be a non-empty regular expression`);
    else {
      try {
        new RegExp(pattern, "u");
      } catch (err) {
        problems.push(`${where}: pattern is not a regular expression: ${(err as Error).message}`);
      }
    }
  }
}

function unknownKeys(obj: Record<string, unknown>, known: readonly string[], prefix: string, problems: string[]): void {
  const extra = Object.keys(obj).filter((k) => !known.includes(k));
  if (extra.length > 0) problems.push(`${prefix}unknown field${extra.length > 1 ? "s" : ""} ${extra.map((k) => JSON.stringify(k)).join(", ")} (known: ${known.join(", ")})`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Reads and parses one catalogue file; problems name the file. */
export function readCatalogueFile(path: string): ParameterCatalogue {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new CatalogueError([`cannot read: ${(err as Error).message}`], path);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CatalogueError([`not JSON: ${(err as Error).message}`], path);
  }
  return parseCatalogue(json, path);
}

let bundledDir: string | undefined;

/**
 * catalogue/parameters in the repository: the nearest such folder above this file, which is
 * <root>/services/platform/parameters from source and <root>/dist/services/platform/parameters
 * compiled (the same walk services/platform/db/migrate.ts does for prisma.config.ts).
 */
export function bundledCatalogueDir(): string {
  if (bundledDir !== undefined) return bundledDir;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, "catalogue", "parameters");
    if (existsSync(candidate)) return (bundledDir = candidate);
    if (dirname(dir) === dir) throw new Error(`cannot find catalogue/parameters above ${import.meta.url}`);
  }
}

const cache = new Map<string, ParameterCatalogue>();

/** The catalogue Hoard ships for a datastore version (file <datastore>-<version>.json); NotFoundError when there is none. */
export function loadBundledCatalogue(datastore: string, version: string): ParameterCatalogue {
  const file = `${datastore}-${version}.json`;
  const cached = cache.get(file);
  if (cached) return cached;
  // The names become a file name: nothing that could leave the folder.
  const path = join(bundledCatalogueDir(), file);
  if (!ID.test(datastore) || !ID.test(version) || !existsSync(path)) throw new NotFoundError("parameter catalogue", `${datastore} ${version}`);
  return loadBundledFile(file);
}

/** Every bundled catalogue, by datastore then version. */
export function bundledCatalogues(): ParameterCatalogue[] {
  return readdirSync(bundledCatalogueDir())
    .filter((f) => f.endsWith(".json"))
    .map((f) => cache.get(f) ?? loadBundledFile(f))
    .sort((a, b) => a.datastore.localeCompare(b.datastore) || a.version.localeCompare(b.version, undefined, { numeric: true }));
}

function loadBundledFile(file: string): ParameterCatalogue {
  const path = join(bundledCatalogueDir(), file);
  const catalogue = readCatalogueFile(path);
  if (file !== `${catalogue.datastore}-${catalogue.version}.json`) {
    throw new CatalogueError([`declares ${catalogue.datastore} ${catalogue.version}, so its file must be named ${catalogue.datastore}-${catalogue.version}.json`], path);
  }
  cache.set(file, catalogue);
  return catalogue;
}
