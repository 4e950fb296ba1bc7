// Bringing the running server in line with a new redis.conf, and telling what only a restart
// would. Both compare the file with what the server reports (CONFIG GET), never with what the
// agent believes it did: a server restarted by hand, or adopted after an agent restart, is judged
// by what it runs with.
import { DatastoreEngineError, DatastoreSpecError } from "../errors.js";
import type { AdminSession } from "./admin-session.js";
import { AGENT_OWNED, normaliseValue } from "./parameters.js";
import type { ServerReference } from "./reference.js";

/** CONFIG GET of several names in one round trip; names the server does not know are absent. */
export async function configGet(session: AdminSession, names: readonly string[]): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  if (names.length === 0) return values;
  const reply = await session.call(["CONFIG", "GET", ...names]);
  if (!Array.isArray(reply)) return values;
  for (let i = 0; i + 1 < reply.length; i += 2) values.set(String(reply[i]).toLowerCase(), String(reply[i + 1]));
  return values;
}

/**
 * Sets live every run-time parameter whose value differs between the server and `next` (the
 * redis.conf about to be written), and returns to its default every one `previous` set and `next`
 * no longer does: what a restart with `next` would give, without the restart. One CONFIG SET for
 * all of them, which Redis applies all or nothing. Returns the names it set.
 */
export async function applyLive(
  session: AdminSession,
  next: ReadonlyMap<string, string>,
  previous: ReadonlyMap<string, string>,
  reference: ServerReference,
): Promise<string[]> {
  const restartOnly = new Set(reference.restartOnly);
  const names = [...new Set([...next.keys(), ...previous.keys()])].filter(
    (name) => !AGENT_OWNED.has(name) && !restartOnly.has(name) && name in reference.defaults,
  );
  const current = await configGet(session, names);
  const changes: string[] = [];
  for (const name of names) {
    const wanted = next.get(name) ?? reference.defaults[name];
    const now = current.get(name);
    if (wanted !== undefined && now !== undefined && normaliseValue(wanted) !== normaliseValue(now)) changes.push(name, wanted);
  }
  if (changes.length === 0) return [];
  try {
    await session.call(["CONFIG", "SET", ...changes]);
  } catch (err) {
    // The server kept every old value; nothing is written, so the instance is as it was.
    if (err instanceof DatastoreEngineError && err.detail === "ERR") throw new DatastoreSpecError(`redis refused the parameters: ${err.message}`);
    throw err;
  }
  return changes.filter((_, i) => i % 2 === 0);
}

/**
 * Parameters read at start only whose value in `file` (the redis.conf a restart would read; the
 * binary's default when the file does not set it) differs from what the server runs with. The
 * agent's own settings are left out: they are fixed for the instance's lifetime.
 */
export async function restartPendingNames(session: AdminSession, file: ReadonlyMap<string, string>, reference: ServerReference): Promise<string[]> {
  const names = reference.restartOnly.filter((name) => !AGENT_OWNED.has(name));
  const current = await configGet(session, names);
  return names.filter((name) => {
    const expected = file.get(name) ?? reference.defaults[name];
    const now = current.get(name);
    return expected !== undefined && now !== undefined && normaliseValue(expected) !== normaliseValue(now);
  });
}

/** Names of `parameters` this redis-server does not know; Redis would refuse to start with them in redis.conf. */
export function unknownParameters(parameters: Readonly<Record<string, string>>, reference: ServerReference): string[] {
  return Object.keys(parameters).filter((name) => !(name in reference.defaults));
}
