// What a workflow gets to do its work: the claimed task, the stores and clients, a signal that
// fires at the task's deadline (or when a delete supersedes it), and `step` to record progress.
import type { Client } from "@connectrpc/connect";
import type { GuestAgentService } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import type { Logger } from "../../platform/logger.js";
import type { SecretBox } from "../../platform/secrets.js";
import type { ComputeProvider } from "../compute/provider.js";
import type { ClaimedTask, TaskStore } from "../store/tasks.js";

export type AgentClient = Client<typeof GuestAgentService>;

export interface WorkflowDeps {
  store: TaskStore;
  provider: ComputeProvider;
  /** A typed client of one instance's agent; calls carry the request id that started the task. */
  agentFor: (instanceId: string, requestId?: string | null) => AgentClient;
  secrets: SecretBox;
  /** Wraps each backup's data key; never leaves the control plane. */
  backupMasterKey: Buffer;
  /** How long a new agent may take to answer its first Ping before the create fails. */
  agentConnectTimeoutMs: number;
  /** How often a running backup's progress is polled from its agent; default 3 s. */
  backupProgressPollMs?: number;
  /** Aborts the running task of an instance in this process, and waits until it has stopped. */
  cancelRunning: (instanceId: string, exceptTaskId: string) => Promise<void>;
}

export interface WorkflowContext extends WorkflowDeps {
  task: ClaimedTask;
  signal: AbortSignal;
  logger: Logger;
  /**
   * Runs a named step and records it. A step already recorded as done by an earlier attempt is
   * skipped, unless `always` (steps that re-establish process state, e.g. starting the agent).
   */
  step<T>(name: string, run: () => Promise<T>, options?: { always?: boolean }): Promise<T | undefined>;
}

export type Workflow = (ctx: WorkflowContext) => Promise<void>;

/** A failure the user should read as the instance's fault; `details` names where it happened. */
export class TaskFault extends Error {
  constructor(
    message: string,
    readonly details = "",
  ) {
    super(message);
    this.name = "TaskFault";
  }
}
