// Reading Trove request bodies: each helper names the offending field ("instance.volume.size")
// in a 400 badRequest, so a wrong body is refused before any RPC runs and changes nothing.
import { badRequestFault } from "./faults.js";

export type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The object at `key` of the body (Trove wraps every body: {"instance": {...}}). */
export function wrapped(body: unknown, key: string): JsonObject {
  if (!isObject(body)) throw badRequestFault(`the body must be a JSON object with "${key}"`);
  const inner = body[key];
  if (!isObject(inner)) throw badRequestFault(`"${key}" must be a JSON object`);
  return inner;
}

/** An optional object field. */
export function optObject(obj: JsonObject, key: string, path: string): JsonObject | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw badRequestFault(`${path}.${key} must be an object`);
  return v;
}

/** An optional string field. */
export function optString(obj: JsonObject, key: string, path: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw badRequestFault(`${path}.${key} must be a string`);
  return v;
}

/** A required string field. */
export function reqString(obj: JsonObject, key: string, path: string): string {
  const v = optString(obj, key, path);
  if (v === undefined) throw badRequestFault(`${path}.${key} is required`);
  return v;
}

/** An optional integer field (troveclient may send numbers as strings, e.g. "2"). */
export function optInt(obj: JsonObject, key: string, path: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) throw badRequestFault(`${path}.${key} must be a non-negative integer`);
  return n;
}

/** An optional boolean field (Trove also takes 0/1). */
export function optBool(obj: JsonObject, key: string, path: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (v === 0 || v === 1) return v === 1;
  if (typeof v !== "boolean") throw badRequestFault(`${path}.${key} must be true or false`);
  return v;
}

/** An optional array of objects. */
export function optObjects(obj: JsonObject, key: string, path: string): JsonObject[] | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every(isObject)) throw badRequestFault(`${path}.${key} must be a list of objects`);
  return v;
}

/** An optional array of strings. */
export function optStrings(obj: JsonObject, key: string, path: string): string[] | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) throw badRequestFault(`${path}.${key} must be a list of strings`);
  return v;
}

/** The names of a [{"name": ...}] list, as Trove sends databases. */
export function names(list: JsonObject[], path: string): string[] {
  return list.map((item, i) => reqString(item, "name", `${path}[${i}]`));
}

/** An id Trove may send as an id, a number or an href ("flavorRef": "https://h/v1.0/p/flavors/2"). */
export function refId(v: unknown, path: string): string {
  if (typeof v === "number" && Number.isInteger(v)) return String(v);
  if (typeof v !== "string" || v === "") throw badRequestFault(`${path} must be an id or an href`);
  return /^https?:\/\//.test(v) ? (v.split("/").filter((s) => s !== "").at(-1) ?? v) : v;
}

/** Fails when a key Hoard has no counterpart for is set (empty values are what clients send when unused). */
export function refuseUnsupported(obj: JsonObject, keys: readonly string[], path: string, why: string): void {
  for (const key of keys) {
    const v = obj[key];
    const empty = v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);
    if (!empty) throw badRequestFault(`${path}.${key} is not supported: ${why}`);
  }
}
