// Hoard's computed statuses in Trove's words, in one place. Hoard derives the status once
// (domain/instance-status.ts); this only renames it, so the Trove surface can never disagree with
// the others about an instance.
import { BackupState } from "../../../gen/proto/hoard/v1/backup_pb.js";
import { InstanceStatus, OperatingStatus } from "../../../gen/proto/hoard/v1/instance_pb.js";

const instanceStatus: Record<InstanceStatus, string> = {
  [InstanceStatus.UNSPECIFIED]: "UNKNOWN",
  [InstanceStatus.BUILD]: "BUILD",
  [InstanceStatus.ACTIVE]: "ACTIVE",
  [InstanceStatus.ERROR]: "ERROR",
  [InstanceStatus.REBOOT]: "REBOOT",
  [InstanceStatus.SHUTDOWN]: "SHUTDOWN",
  // Trove shows an instance being deleted as SHUTDOWN.
  [InstanceStatus.DELETING]: "SHUTDOWN",
  [InstanceStatus.RESIZE]: "RESIZE",
  [InstanceStatus.RESTART_REQUIRED]: "RESTART_REQUIRED",
  // Trove applies a configuration group inside the API call and shows no status for it; Hoard
  // applies it (and allowed CIDRs) in a task. Its name is Trove's task for the same work
  // (InstanceTasks.UPDATING): a client waiting for ACTIVE must not go on while it runs.
  [InstanceStatus.UPDATE]: "UPDATING",
  [InstanceStatus.BACKUP]: "BACKUP",
};

/** Trove's "status" of an instance. */
export function troveInstanceStatus(status: InstanceStatus): string {
  return instanceStatus[status] ?? "UNKNOWN";
}

const operatingStatus: Record<OperatingStatus, string> = {
  [OperatingStatus.UNSPECIFIED]: "",
  // No report from the guest agent yet: Trove's NEW.
  [OperatingStatus.UNKNOWN]: "NEW",
  [OperatingStatus.HEALTHY]: "HEALTHY",
  // Process up, not answering yet: Trove's RUNNING ("alive, but maybe not functional yet").
  [OperatingStatus.STARTING]: "RUNNING",
  [OperatingStatus.SHUTDOWN]: "SHUTDOWN",
  [OperatingStatus.FAILED]: "ERROR",
};

/** Trove's "operating_status" (the database service itself). */
export function troveOperatingStatus(status: OperatingStatus): string {
  return operatingStatus[status] ?? "";
}

const backupStatus: Record<BackupState, string> = {
  [BackupState.UNSPECIFIED]: "UNKNOWN",
  [BackupState.NEW]: "NEW",
  [BackupState.BUILDING]: "BUILDING",
  [BackupState.COMPLETED]: "COMPLETED",
  [BackupState.FAILED]: "FAILED",
  // Trove deletes a backup's row at once and has no word for this (SAVING means being written).
  [BackupState.DELETING]: "DELETING",
};

/** Trove's backup "status". */
export function troveBackupStatus(state: BackupState): string {
  return backupStatus[state] ?? "UNKNOWN";
}
