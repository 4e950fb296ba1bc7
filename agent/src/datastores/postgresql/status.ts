// The health probe: is the postmaster alive, and does it answer a query. Cheap enough to run every
// few seconds, and it never throws: whatever goes wrong becomes part of the reported health. The
// query it sends also asks whether a setting waits for a restart (one scan of pg_settings).
import pg from "pg";
import type { ServiceHealth } from "../manager.js";
import { adminClientConfig } from "./admin.js";
import type { InstanceContext } from "./context.js";
import { inspectPostmaster } from "./postmaster.js";
import { restartPending } from "./live-settings.js";

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
    const answer = await ask(ctx);
    return "error" in answer
      ? { state: "RUNNING", detail: `not answering queries: ${answer.error}` }
      : { state: "HEALTHY", restartPending: answer.restartPending };
  } catch (err) {
    const detail = `probe failed: ${err instanceof Error ? err.message : String(err)}`;
    return wantRunning ? { state: "CRASHED", detail } : { state: "SHUTDOWN" };
  }
}

/** Runs the probe query over the unix socket: its answer, or the error message. */
async function ask(ctx: InstanceContext): Promise<{ restartPending: boolean } | { error: string }> {
  const client = new pg.Client(adminClientConfig(ctx, "postgres", PROBE_TIMEOUT_MS));
  client.on("error", () => {}); // reported through the failed connect or query below
  try {
    await client.connect();
    return { restartPending: await restartPending(client) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    client.end().catch(() => {}); // not awaited: the probe's time is bounded by the two timeouts
  }
}
