// The health probe: is the server process alive, and does it answer SELECT 1 over its socket.
// Cheap enough to run every few seconds, and it never throws: whatever goes wrong becomes part of
// the reported health.
import type { ServiceHealth } from "../manager.js";
import { runSql } from "./client.js";
import type { InstanceContext } from "./context.js";
import { inspectServer } from "./pid-file.js";
import { SELECT_ONE } from "./queries.js";

/** How long the probe's connection and query may take together. */
export const PROBE_TIMEOUT_MS = 2_000;

/**
 * `wantRunning` says whether the server should be up: a missing process is then CRASHED, otherwise
 * SHUTDOWN; `starting` (a start in progress) makes it RUNNING. A live process that does not answer
 * yet (starting, recovering, out of connections) is RUNNING.
 */
export async function probeServer(ctx: InstanceContext, wantRunning: boolean, starting: boolean): Promise<ServiceHealth> {
  try {
    const state = await inspectServer(ctx.paths);
    if (state.kind !== "alive") {
      if (starting) return { state: "RUNNING", detail: "starting" };
      if (!wantRunning) return { state: "SHUTDOWN" };
      const detail = state.kind === "stale" ? `server (pid ${state.pid}) is gone` : "no server is running";
      return { state: "CRASHED", detail };
    }
    const error = await selectOne(ctx);
    return error === undefined ? { state: "HEALTHY" } : { state: "RUNNING", detail: `not answering queries: ${error}` };
  } catch (err) {
    const detail = `probe failed: ${err instanceof Error ? err.message : String(err)}`;
    return wantRunning ? { state: "CRASHED", detail } : { state: "SHUTDOWN" };
  }
}

/** Runs SELECT 1 over the unix socket; returns the error message, or undefined when it answered. */
async function selectOne(ctx: InstanceContext): Promise<string | undefined> {
  try {
    const rows = await runSql(ctx, SELECT_ONE, { signal: new AbortController().signal, timeoutMs: PROBE_TIMEOUT_MS });
    return rows[0]?.[0] === "1" ? undefined : "unexpected answer to SELECT 1";
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
