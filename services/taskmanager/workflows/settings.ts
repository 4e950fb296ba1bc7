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

/**
 * Grows the volume online where the host can. Where it cannot (no CAP_SYS_RESOURCE, e.g. in a
 * container) the server is stopped for the grow and started again if it was running; the step
 * "note-running" records that it was, so a resumed task still starts it.
 */
export const resizeVolumeWorkflow: Workflow = async (ctx) => {
  const { task, signal, provider } = ctx;
  const { volumeSizeGb } = openActionPayload<ResizeVolumePayload>(task.payload);
  const agent = ctx.agentFor(task.instance.id, task.requestId);
  if (await provider.growsOnline(task.instance.id)) {
    await ctx.step("grow", () => provider.resize(task.instance.id, { volumeSizeGb }, signal));
  } else {
    const before = await agent.getStatus({}, { signal, timeoutMs: 5000 });
    const noted = task.step.split(",").includes("note-running");
    if (before.status !== ServiceStatus.SHUTDOWN && !noted) await ctx.step("note-running", async () => {});
    const restartAfter = noted || before.status !== ServiceStatus.SHUTDOWN;
    await ctx.step("stop", () => agent.stop({}, { signal, timeoutMs: lifecycleTimeoutMs }));
    await ctx.step("grow", () => provider.resize(task.instance.id, { volumeSizeGb, offline: true }, signal));
    if (restartAfter) await ctx.step("start", () => agent.start({}, { signal, timeoutMs: lifecycleTimeoutMs }));
  }
  await finishWithAgentStatus(ctx, agent, { volumeSizeGb });
};

export const configureWorkflow: Workflow = async (ctx) => {
  const { task, signal } = ctx;
  const agent = ctx.agentFor(task.instance.id, task.requestId);
  await ctx.step("configure", () => agent.configure(serverSettingsOf(task.instance), { signal, timeoutMs: configureTimeoutMs }));
  await finishWithAgentStatus(ctx, agent);
};
