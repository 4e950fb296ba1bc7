// After a workflow changed the server, the instance records what the agent now reports, stamped
// with the agent's own probe time so older heartbeats cannot overwrite it.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ServiceStatus, type GetStatusResponse } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import type { InstanceChange } from "../store/tasks.js";
import type { AgentClient, WorkflowContext } from "./context.js";

/** Probes the agent and ends the task's hold on the instance with the reported status and `change`. */
export async function finishWithAgentStatus(ctx: WorkflowContext, agent: AgentClient, change: InstanceChange = {}): Promise<GetStatusResponse> {
  const status = await agent.getStatus({}, { signal: ctx.signal, timeoutMs: 5000 });
  await ctx.store.updateInstance(ctx.task.instance.id, {
    ...change,
    taskStatus: "NONE",
    serviceStatus: ServiceStatus[status.status] ?? "UNKNOWN",
    serviceDetail: status.detail || null,
    volumeUsedBytes: status.volumeUsedBytes,
    ...(status.volumeTotalBytes > 0n ? { volumeTotalBytes: status.volumeTotalBytes } : {}),
    ...(status.probedAt ? { lastReportAt: timestampDate(status.probedAt) } : {}),
  });
  return status;
}
