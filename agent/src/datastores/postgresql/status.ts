// The health probe: is the postmaster alive, and does it answer a query. Cheap enough to run every
// few seconds, and it never throws: whatever goes wrong becomes part of the reported health.
import pg from "pg";
import type { ServiceHealth } from "../manager.js";
import { adminClientConfig } from "./admin.js";
import type { InstanceContext } from "./context.js";
import { inspectPostmaster } from "./postmaster.js";
import { SELECT_ONE } from "./queries.js";

/** How long the probe's connection and query may each take. */
export const PROBE_TIMEOUT_MS = 2_000;

/**
 * `wantRunning` says whether the server should be up: a missing process is then CRASHED, otherwise
 * SHUTDOWN. A live process that does not answer yet (starting, recovering, overloaded) is RUNNING.
 */
export async function probeServer(ctx: InstanceContext, wantRunning: boolean): Promise<ServiceHealth> {
  try {
    const state = await inspectPostmaster(ctx.paths);
    if (state.kind !== "alive") {
      if (!wantRunning) return { state: "SHUTDOWN" };
      const detail =
        state.kind === "stale" ? `postmaster (pid ${state.pid}) is gone` : "no postmaster is running";
      return { state: "CRASHED", detail };
    }
    if (state.status !== "ready" && state.status !== "standby") {
      return { state: "RUNNING", detail: `postmaster is ${state.status || "starting"}` };
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
  const client = new pg.Client(adminClientConfig(ctx, "postgres", PROBE_TIMEOUT_MS));
  client.on("error", () => {}); // reported through the failed connect or query below
  try {
    await client.connect();
    await client.query(SELECT_ONE);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    client.end().catch(() => {}); // not awaited: the probe's time is bounded by the two timeouts
  }
}
