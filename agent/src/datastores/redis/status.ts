// The health probe: is redis-server alive, and does it answer PING as the agent's user. Cheap
// enough to run every few seconds, and it never throws: whatever goes wrong becomes the health.
import type { ServiceHealth } from "../manager.js";
import { pingAdmin, readAdminPassword } from "./admin-session.js";
import type { InstanceContext } from "./context.js";
import { inspectServer } from "./server-process.js";

/** How long the probe's connection and each command may take. */
export const PROBE_TIMEOUT_MS = 2_000;

/**
 * `wantRunning` says whether the server should be up: a missing process is then CRASHED, otherwise
 * SHUTDOWN. A live process that does not answer yet (loading its dataset, overloaded) is RUNNING.
 */
export async function probeServer(ctx: InstanceContext, wantRunning: boolean): Promise<ServiceHealth> {
  try {
    const state = await inspectServer(ctx.paths);
    if (state.kind !== "alive") {
      if (!wantRunning) return { state: "SHUTDOWN" };
      const detail = state.kind === "stale" ? `redis-server (pid ${state.pid}) is gone` : "no redis-server is running";
      return { state: "CRASHED", detail };
    }
    const password = await readAdminPassword(ctx);
    if (password === undefined) return { state: "RUNNING", detail: "the agent has no credentials for redis" };
    const ping = await pingAdmin(ctx, password, PROBE_TIMEOUT_MS);
    return ping.ok ? { state: "HEALTHY" } : { state: "RUNNING", detail: `not answering PING: ${ping.message}` };
  } catch (err) {
    const detail = `probe failed: ${err instanceof Error ? err.message : String(err)}`;
    return wantRunning ? { state: "CRASHED", detail } : { state: "SHUTDOWN" };
  }
}
