// Workflows that change how the server runs: a new flavor (settings recomputed from its memory,
// then a restart so memory settings take effect), a bigger volume (grown online), and new
// configuration-group values or allowed CIDRs (applied live where the engine can; the agent then
// reports RESTART_REQUIRED for what waits for a restart).
import { ServiceStatus } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { openActionPayload, type ResizeFlavorPayload, type ResizeVolumePayload } from "../../platform/task-payload.js";
import { finishWithAgentStatus } from "./agent-status.js";
import type { Workflow } from "./context.js";
import { lifecycleTimeoutMs } from "./lifecycle.js";
import { serverSettingsOf } from "./server-settings.js";

const configureTimeoutMs = 120_000;

export const resizeFlavorWorkflow: Workflow = async (ctx) => {
  const { task, signal } = ctx;
  const flavor = openActionPayload<ResizeFlavorPayload>(task.payload);
  const agent = ctx.agentFor(task.instance.id, task.requestId);
  await ctx.step("configure", () => agent.configure(serverSettingsOf(task.instance, flavor), { signal, timeoutMs: configureTimeoutMs }));
  await ctx.step("restart", async () => {
    // A stopped server keeps its new settings for its next start; resizing does not start it.
    const before = await agent.getStatus({}, { signal, timeoutMs: 5000 });
    if (before.status !== ServiceStatus.SHUTDOWN) await agent.restart({}, { signal, timeoutMs: lifecycleTimeoutMs });
  });
  await finishWithAgentStatus(ctx, agent, { flavorId: flavor.flavorId });
};

export const resizeVolumeWorkflow: Workflow = async (ctx) => {
  const { task, signal } = ctx;
  const { volumeSizeGb } = openActionPayload<ResizeVolumePayload>(task.payload);
  await ctx.step("grow", () => ctx.provider.resize(task.instance.id, { volumeSizeGb }, signal));
  await finishWithAgentStatus(ctx, ctx.agentFor(task.instance.id, task.requestId), { volumeSizeGb });
};

export const configureWorkflow: Workflow = async (ctx) => {
  const { task, signal } = ctx;
  const agent = ctx.agentFor(task.instance.id, task.requestId);
  await ctx.step("configure", () => agent.configure(serverSettingsOf(task.instance), { signal, timeoutMs: configureTimeoutMs }));
  await finishWithAgentStatus(ctx, agent);
};
