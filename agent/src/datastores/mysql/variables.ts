// The server's system variables as configure and the probe need them: current value, compiled
// default, type, whether SET GLOBAL can change them, and where the value came from
// (information_schema.SYSTEM_VARIABLES, one in-memory query), plus comparing an option-file value
// with what the server reports (units, booleans, case) and writing one as SET GLOBAL.
import { runSql } from "./client.js";
import type { InstanceContext } from "./context.js";
import { text } from "./sql.js";

/** One variable as SYSTEM_VARIABLES reports it; `name` lower-case. */
export interface VariableRow {
  name: string;
  value: string;
  defaultValue: string;
  /** BOOLEAN, ENUM, SET, VARCHAR, INT UNSIGNED, BIGINT, DOUBLE, ... */
  type: string;
  readOnly: boolean;
  /** CONFIG (the option file at start), SQL (SET GLOBAL), COMPILE-TIME, AUTO, COMMAND-LINE, ... */
  origin: string;
}

/** What to read: the named variables, and optionally every one the option file set at start. */
export interface VariableQuery {
  names: Iterable<string>;
  fromConfig?: boolean;
  readOnlyOnly?: boolean;
}

/** Reads variables by (normalised) name; names the server does not know are absent from the map. */
export async function readVariables(ctx: InstanceContext, query: VariableQuery, signal: AbortSignal, timeoutMs?: number): Promise<Map<string, VariableRow>> {
  const names = [...new Set(query.names)];
  const which = [
    ...(names.length > 0 ? [`VARIABLE_NAME IN (${names.map(text).join(", ")})`] : []),
    ...(query.fromConfig ? ["GLOBAL_VALUE_ORIGIN = 'CONFIG'"] : []),
  ];
  if (which.length === 0) return new Map();
  const sql =
    "SELECT LOWER(VARIABLE_NAME), COALESCE(GLOBAL_VALUE, ''), COALESCE(DEFAULT_VALUE, ''), VARIABLE_TYPE, READ_ONLY, GLOBAL_VALUE_ORIGIN" +
    ` FROM information_schema.SYSTEM_VARIABLES WHERE VARIABLE_SCOPE <> 'SESSION ONLY' AND (${which.join(" OR ")})` +
    `${query.readOnlyOnly ? " AND READ_ONLY = 'YES'" : ""};`;
  const rows = await runSql(ctx, sql, { signal, ...(timeoutMs ? { timeoutMs } : {}) });
  return new Map(
    rows.map(([name = "", value = "", defaultValue = "", type = "", readOnly = "", origin = ""]) => [
      name,
      { name, value, defaultValue, type, readOnly: readOnly === "YES", origin },
    ]),
  );
}

const SUFFIX: Record<string, bigint> = { "": 1n, K: 1n << 10n, M: 1n << 20n, G: 1n << 30n, T: 1n << 40n, P: 1n << 50n, E: 1n << 60n };

/** An integer as an option file may write it (suffix K, M, G ... as powers of 1024); undefined when it is not one. */
function integerOf(value: string): bigint | undefined {
  const match = /^\s*(-?\d+)\s*([KMGTPE]?)\s*$/i.exec(value);
  return match ? BigInt(match[1] ?? "0") * (SUFFIX[(match[2] ?? "").toUpperCase()] ?? 1n) : undefined;
}

function booleanOf(value: string): string {
  const upper = value.trim().toUpperCase();
  if (["ON", "1", "TRUE", "YES"].includes(upper)) return "ON";
  if (["OFF", "0", "FALSE", "NO"].includes(upper)) return "OFF";
  return upper;
}

const isInteger = (type: string): boolean => /INT/.test(type);
const isDecimal = (type: string): boolean => /DOUBLE|FLOAT|DECIMAL/.test(type);

/** True when option-file `wanted` and server-reported `actual` are the same value of a variable of `type`. */
export function sameValue(wanted: string, actual: string, type: string): boolean {
  if (type === "BOOLEAN") return booleanOf(wanted) === booleanOf(actual);
  if (isInteger(type)) {
    const [a, b] = [integerOf(wanted), integerOf(actual)];
    if (a !== undefined && b !== undefined) return a === b;
  }
  if (isDecimal(type)) {
    const [a, b] = [Number(wanted), Number(actual)];
    if (Number.isFinite(a) && Number.isFinite(b)) return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a));
  }
  if (type === "SET") {
    const items = (v: string): string => v.split(",").map((i) => i.trim().toUpperCase()).filter(Boolean).sort().join(",");
    return items(wanted) === items(actual);
  }
  return wanted.trim().toUpperCase() === actual.trim().toUpperCase();
}

/** SET GLOBAL for an option-file value: numbers bare (suffixes expanded, SET does not take them), the rest quoted. */
export function setGlobal(row: Pick<VariableRow, "name" | "type">, value: string): string {
  let literal: string;
  const integer = isInteger(row.type) ? integerOf(value) : undefined;
  if (integer !== undefined) literal = integer.toString();
  else if (isDecimal(row.type) && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) literal = value.trim();
  else if (row.type === "BOOLEAN" && ["ON", "OFF"].includes(booleanOf(value))) literal = booleanOf(value);
  else literal = text(value);
  return `SET GLOBAL ${identifier(row.name)} = ${literal};`;
}

/** SET GLOBAL name = DEFAULT: the compiled default, for a variable the option file no longer sets. */
export function setGlobalDefault(name: string): string {
  return `SET GLOBAL ${identifier(name)} = DEFAULT;`;
}

/** Variable names come from the server's own table; still, only plain ones are written bare. */
function identifier(name: string): string {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unexpected variable name ${JSON.stringify(name)}`);
  return name;
}
