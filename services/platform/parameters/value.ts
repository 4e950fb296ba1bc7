// Checks one value against one parameter definition and renders it the way the engine spells it.
// Shared by validateParameters (user input) and parseCatalogue (each engineDefault must pass too).
import type { BooleanDefinition, FloatDefinition, IntegerDefinition, ParameterDefinition, StringDefinition } from "./types.js";

/** The rendered value, or what is wrong with the input. */
export type ValueCheck = { ok: true; value: string } | { ok: false; problem: string };

/** Longest string value accepted; engines' own limits on free text are far above what any setting needs. */
export const MAX_STRING_LENGTH = 1024;

const TRUE_WORDS = new Set(["true", "on", "yes", "1"]);
const FALSE_WORDS = new Set(["false", "off", "no", "0"]);
const INTEGER_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Accepts JSON numbers, booleans and strings as described in validate.ts; never throws. */
export function checkValue(def: ParameterDefinition, booleans: readonly [string, string], raw: unknown): ValueCheck {
  switch (def.type) {
    case "integer":
      return checkInteger(def, raw);
    case "float":
      return checkFloat(def, raw);
    case "boolean":
      return checkBoolean(def, booleans, raw);
    case "string":
      return checkString(def, raw);
  }
}

function checkInteger(def: IntegerDefinition, raw: unknown): ValueCheck {
  let value: bigint | undefined;
  if (typeof raw === "number" && Number.isInteger(raw)) value = BigInt(raw);
  else if (typeof raw === "string" && INTEGER_TEXT.test(raw.trim())) value = BigInt(raw.trim());
  if (value === undefined) return fail(`expected an integer${inUnit(def.unit)}, got ${show(raw)}`);
  if (value < BigInt(def.min) || value > BigInt(def.max)) return fail(`must be between ${def.min} and ${def.max}${unitNote(def.unit)}`);
  return { ok: true, value: value.toString() };
}

function checkFloat(def: FloatDefinition, raw: unknown): ValueCheck {
  let value: number | undefined;
  if (typeof raw === "number" && Number.isFinite(raw)) value = raw;
  else if (typeof raw === "string" && FLOAT_TEXT.test(raw.trim())) value = Number(raw.trim());
  if (value === undefined || !Number.isFinite(value)) return fail(`expected a number${inUnit(def.unit)}, got ${show(raw)}`);
  if (value < def.min || value > def.max) return fail(`must be between ${def.min} and ${def.max}${unitNote(def.unit)}`);
  return { ok: true, value: formatFloat(value) };
}

function checkBoolean(_def: BooleanDefinition, booleans: readonly [string, string], raw: unknown): ValueCheck {
  let value: boolean | undefined;
  if (typeof raw === "boolean") value = raw;
  else if (raw === 1 || raw === 0) value = raw === 1;
  else if (typeof raw === "string") {
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word) || word === booleans[0].toLowerCase()) value = true;
    else if (FALSE_WORDS.has(word) || word === booleans[1].toLowerCase()) value = false;
  }
  if (value === undefined) return fail(`expected a boolean (${booleans[0]} or ${booleans[1]}), got ${show(raw)}`);
  return { ok: true, value: value ? booleans[0] : booleans[1] };
}

function checkString(def: StringDefinition, raw: unknown): ValueCheck {
  if (typeof raw !== "string") {
    return fail(def.allowed ? `expected one of ${def.allowed.join(", ")}; got ${show(raw)}` : `expected a string, got ${show(raw)}`);
  }
  // A line break or NUL would end the setting early in a configuration file and start another.
  if (/[\u0000-\u001f\u007f]/.test(raw)) return fail("must not contain control characters or line breaks");
  if (raw.length > MAX_STRING_LENGTH) return fail(`must be at most ${MAX_STRING_LENGTH} characters`);
  if (def.allowed) {
    const wanted = raw.trim().toLowerCase();
    const match = def.allowed.find((a) => a.toLowerCase() === wanted);
    return match === undefined ? fail(`${show(raw)} is not one of: ${def.allowed.join(", ")}`) : { ok: true, value: match };
  }
  if (def.pattern !== undefined && !new RegExp(`^(?:${def.pattern})$`, "u").test(raw)) return fail(`${show(raw)} does not match ${def.pattern}`);
  return { ok: true, value: raw };
}

/**
 * The shortest decimal that reads back as the same number, written out where JavaScript would use an
 * exponent for a small number (1e-7 → 0.0000001). Numbers from 1e21 up keep the exponent (1e+21),
 * which every engine's number parser reads.
 */
export function formatFloat(value: number): string {
  const text = String(Object.is(value, -0) ? 0 : value);
  const m = /^(-?)(\d)(?:\.(\d+))?e-(\d+)$/.exec(text);
  if (!m) return text;
  const [, sign, lead, fraction = "", exponent] = m;
  return `${sign}0.${"0".repeat(Number(exponent) - 1)}${lead}${fraction}`;
}

function fail(problem: string): ValueCheck {
  return { ok: false, problem };
}

function inUnit(unit: string | undefined): string {
  return unit === undefined ? "" : ` (in ${unit})`;
}

function unitNote(unit: string | undefined): string {
  return unit === undefined ? "" : ` (${unit})`;
}

/** The input as a user would recognise it in a message. */
export function show(raw: unknown): string {
  if (typeof raw === "string") return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}...` : raw);
  if (raw === null) return "null";
  if (Array.isArray(raw)) return "a list";
  if (typeof raw === "object") return "an object";
  return String(raw);
}
