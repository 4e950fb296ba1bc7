// Restart an instance's database server through its agent and wait until it answers again.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Workflow } from "./context.js";

export const restartWorkflow: Workflow = async (ctx) => {
  const { task, store, signal } = ctx;
  const agent = ctx.agentFor(task.instance.id, task.requestId);
  await ctx.step("restart", () => agent.restart({}, { signal, timeoutMs: 120_000 }));
  const status = await agent.getStatus({}, { signal, timeoutMs: 5000 });
  await store.updateInstance(task.instance.id, {
    taskStatus: "NONE",
    serviceStatus: "HEALTHY",
    serviceDetail: null,
    ...(status.probedAt ? { lastReportAt: timestampDate(status.probedAt) } : {}),
  });
};
