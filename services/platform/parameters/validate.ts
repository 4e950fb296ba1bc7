// Checks a configuration group's values against a catalogue before anything reaches an engine, and
// tells which changes wait for a restart. Every bad key is reported at once, so a user fixes a group
// in one round trip rather than one error at a time.
import { checkValue, show } from "./value.js";
import type { ParameterCatalogue, ParameterDefinition } from "./types.js";

/** One rejected key and why, in words a user can act on. */
export interface ParameterProblem {
  name: string;
  problem: string;
}

/** What validateParameters found: rendered values for the keys that passed, a problem for each that did not. */
export interface ValidationResult {
  /** The accepted values, rendered as the engine spells them (only meaningful when problems is empty). */
  values: Record<string, string>;
  problems: ParameterProblem[];
}

/**
 * Accepts JSON numbers, booleans and strings: an integer parameter takes 4096 or "4096", a float
 * 0.5 or "0.5", a boolean true, "on", "yes", "1" (and their opposites, any case), a string
 * parameter with allowed values any case of one of them. Values come back normalised: integers in
 * decimal, floats as the shortest decimal, booleans in the catalogue's spelling, allowed strings
 * as listed. Keys are sorted; problems are too.
 */
export function validateParameters(catalogue: ParameterCatalogue, values: Record<string, unknown>): ValidationResult {
  if (typeof values !== "object" || values === null || Array.isArray(values)) {
    return { values: {}, problems: [{ name: "", problem: `parameters must be an object of name to value, got ${show(values)}` }] };
  }
  const byName = definitions(catalogue);
  const result: ValidationResult = { values: {}, problems: [] };
  for (const name of Object.keys(values).sort()) {
    const def = byName.get(name);
    if (def === undefined) {
      const hint = suggest(name, [...byName.keys()]);
      const problem = `unknown parameter for ${catalogue.datastore} ${catalogue.version}${hint === undefined ? "" : ` (did you mean ${hint}?)`}`;
      result.problems.push({ name, problem });
      continue;
    }
    const check = checkValue(def, catalogue.booleans, values[name]);
    if (check.ok) result.values[name] = check.value;
    else result.problems.push({ name, problem: check.problem });
  }
  return result;
}

/**
 * Names whose value differs between two validated value sets (changed, added or removed) and whose
 * definition needs a restart, sorted. A name the catalogue does not know counts as needing one:
 * nothing says the engine can apply it live.
 */
export function restartRequiredNames(catalogue: ParameterCatalogue, before: Record<string, string>, after: Record<string, string>): string[] {
  const byName = definitions(catalogue);
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names]
    .filter((name) => valueOf(before, name) !== valueOf(after, name))
    .filter((name) => byName.get(name)?.restartRequired ?? true)
    .sort();
}

function valueOf(values: Record<string, string>, name: string): string | undefined {
  return Object.hasOwn(values, name) ? values[name] : undefined;
}

const byCatalogue = new WeakMap<ParameterCatalogue, Map<string, ParameterDefinition>>();

function definitions(catalogue: ParameterCatalogue): Map<string, ParameterDefinition> {
  let map = byCatalogue.get(catalogue);
  if (map === undefined) {
    map = new Map(catalogue.parameters.map((p) => [p.name, p]));
    byCatalogue.set(catalogue, map);
  }
  return map;
}

/** The closest known name: same letters but for case and - _ . separators, else one edit per four characters away. */
function suggest(name: string, known: string[]): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[-_.\s]/g, "");
  const same = known.find((k) => squash(k) === squash(name));
  if (same !== undefined) return same;
  const limit = Math.max(1, Math.floor(name.length / 4));
  let best: { name: string; distance: number } | undefined;
  for (const k of known) {
    const distance = editDistance(name.toLowerCase(), k.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name: k, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
    }
    previous = current;
  }
  return previous[b.length] as number;
}
