// Delete an instance: stop whatever else runs on it, destroy its compute (server, volume, address),
// then free the row's name. Safe to repeat.
import type { Workflow } from "./context.js";

export const deleteWorkflow: Workflow = async (ctx) => {
  const { task, store, provider, signal } = ctx;
  const instanceId = task.instance.id;
  await ctx.step("cancel-others", () => ctx.cancelRunning(instanceId, task.id), { always: true });
  await store.supersede(instanceId, task.id);
  await ctx.step("destroy", () => provider.destroy(instanceId, signal));
  await store.markDeleted(instanceId);
};
