// The public status of an instance is derived here, and only here, from the three stored layers
// (task, service, compute). Trove assembled it ad hoc in several places and let two states share
// one code; one pure function with a table test keeps every combination deliberate.
import { InstanceStatus, OperatingStatus } from "../../../gen/proto/hoard/v1/instance_pb.js";

/** Workflow the taskmanager runs on the instance; FAILED means the last one failed (see fault). */
export const taskStatuses = ["NONE", "BUILDING", "RESTARTING", "STOPPING", "STARTING", "RESIZING", "CONFIGURING", "BACKING_UP", "DELETING", "FAILED"] as const;
export type TaskStatus = (typeof taskStatuses)[number];

/**
 * What the guest agent last reported; UNKNOWN is set by the conductor when the agent falls silent.
 * RESTART_REQUIRED: healthy, but running with settings only a restart applies (the engine says so).
 */
export const serviceStatuses = ["NEW", "BUILDING", "RUNNING", "HEALTHY", "RESTART_REQUIRED", "SHUTDOWN", "CRASHED", "FAILED", "UNKNOWN"] as const;
export type ServiceStatus = (typeof serviceStatuses)[number];

export interface StatusInput {
  task: string;
  service: string;
}

export interface DerivedStatus {
  status: InstanceStatus;
  operating: OperatingStatus;
}

/** Health of the server itself, whatever the task. */
export function deriveOperatingStatus(service: string): OperatingStatus {
  switch (service) {
    case "HEALTHY":
    case "RESTART_REQUIRED":
      return OperatingStatus.HEALTHY;
    case "NEW":
    case "BUILDING":
    case "RUNNING":
      return OperatingStatus.STARTING;
    case "SHUTDOWN":
      return OperatingStatus.SHUTDOWN;
    case "CRASHED":
    case "FAILED":
      return OperatingStatus.FAILED;
    default:
      return OperatingStatus.UNKNOWN;
  }
}

/** Public status: the task decides while one runs; otherwise the server's reported health does. */
export function deriveStatus({ task, service }: StatusInput): DerivedStatus {
  const operating = deriveOperatingStatus(service);
  return { status: deriveInstanceStatus(task, service), operating };
}

function deriveInstanceStatus(task: string, service: string): InstanceStatus {
  switch (task) {
    case "DELETING":
      return InstanceStatus.DELETING;
    case "FAILED":
      return InstanceStatus.ERROR;
    case "BUILDING":
      // Even when the agent reports FAILED: the workflow owns the outcome and records the fault
      // (within its deadline), so ERROR never shows without one.
      return InstanceStatus.BUILD;
    case "RESTARTING":
    case "STOPPING":
    case "STARTING":
      // The server is going down or coming up on request: Trove's REBOOT covers both.
      return InstanceStatus.REBOOT;
    case "RESIZING":
      return InstanceStatus.RESIZE;
    case "CONFIGURING":
      return InstanceStatus.UPDATE;
    case "BACKING_UP":
      // The server keeps serving queries; only other actions wait.
      return InstanceStatus.BACKUP;
    case "NONE":
      return idleStatus(service);
    default:
      return InstanceStatus.ERROR;
  }
}

function idleStatus(service: string): InstanceStatus {
  switch (service) {
    case "HEALTHY":
      return InstanceStatus.ACTIVE;
    case "RESTART_REQUIRED":
      return InstanceStatus.RESTART_REQUIRED;
    case "RUNNING":
      // Process up but not answering: mid-restart (e.g. after the agent revived a crash).
      return InstanceStatus.REBOOT;
    case "SHUTDOWN":
      return InstanceStatus.SHUTDOWN;
    default:
      // NEW/BUILDING with no task, CRASHED, FAILED, UNKNOWN (agent silent): needs attention.
      return InstanceStatus.ERROR;
  }
}
