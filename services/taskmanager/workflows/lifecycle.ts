// Restart, stop and start: one agent call each, then the instance records what the agent reports.
import type { AgentClient, Workflow } from "./context.js";
import { finishWithAgentStatus } from "./agent-status.js";

export const lifecycleTimeoutMs = 120_000;

function lifecycleWorkflow(step: string, call: (agent: AgentClient, signal: AbortSignal) => Promise<unknown>): Workflow {
  return async (ctx) => {
    const agent = ctx.agentFor(ctx.task.instance.id, ctx.task.requestId);
    await ctx.step(step, () => call(agent, ctx.signal));
    await finishWithAgentStatus(ctx, agent);
  };
}

export const restartWorkflow = lifecycleWorkflow("restart", (agent, signal) => agent.restart({}, { signal, timeoutMs: lifecycleTimeoutMs }));
export const stopWorkflow = lifecycleWorkflow("stop", (agent, signal) => agent.stop({}, { signal, timeoutMs: lifecycleTimeoutMs }));
export const startWorkflow = lifecycleWorkflow("start", (agent, signal) => agent.start({}, { signal, timeoutMs: lifecycleTimeoutMs }));
