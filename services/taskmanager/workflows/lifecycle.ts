// Restart, stop and start: one agent call each, then the instance records what the agent now
// reports, stamped with the agent's own probe time so older heartbeats cannot overwrite it.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ServiceStatus } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import type { AgentClient, Workflow } from "./context.js";

const lifecycleTimeoutMs = 120_000;

function lifecycleWorkflow(step: string, call: (agent: AgentClient, signal: AbortSignal) => Promise<unknown>): Workflow {
  return async (ctx) => {
    const { task, store, signal } = ctx;
    const agent = ctx.agentFor(task.instance.id, task.requestId);
    await ctx.step(step, () => call(agent, signal));
    const status = await agent.getStatus({}, { signal, timeoutMs: 5000 });
    await store.updateInstance(task.instance.id, {
      taskStatus: "NONE",
      serviceStatus: ServiceStatus[status.status] ?? "UNKNOWN",
      serviceDetail: status.detail || null,
      ...(status.probedAt ? { lastReportAt: timestampDate(status.probedAt) } : {}),
    });
  };
}

export const restartWorkflow = lifecycleWorkflow("restart", (agent, signal) => agent.restart({}, { signal, timeoutMs: lifecycleTimeoutMs }));
export const stopWorkflow = lifecycleWorkflow("stop", (agent, signal) => agent.stop({}, { signal, timeoutMs: lifecycleTimeoutMs }));
export const startWorkflow = lifecycleWorkflow("start", (agent, signal) => agent.start({}, { signal, timeoutMs: lifecycleTimeoutMs }));
