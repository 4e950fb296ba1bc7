// Starting a backup, shared by the gateway's CreateBackup and the taskmanager's backup scheduler:
// the Backup row (NEW) and the BACKUP task on its instance (taskStatus BACKING_UP) are written in
// one transaction, so a backup never waits for a task that does not exist, and an instance that is
// busy, or whose server is not serving, refuses (the row is never written), and so does a project
// at its backups or backup_gb quota (RESOURCE_EXHAUSTED). An incremental backup (one with a
// parent) is recorded INCREMENTAL, any other FULL.
import type { BackupStorageRef } from "../backup-settings.js";
import { isUniqueViolation, type Db } from "../db/index.js";
import { AlreadyExistsError, FailedPreconditionError } from "../errors.js";
import { actionPayload, taskDeadlinesMs } from "../task-payload.js";
import { inQuotaTransaction, type Quotas } from "./quota.js";

export interface NewBackup {
  projectId: string;
  instanceId: string;
  name: string;
  description: string;
  datastoreVersionId: string;
  volumeSizeGb: number;
  storage: BackupStorageRef;
  /** Taken by the instance's schedule (retention may prune it), not by hand. */
  scheduled?: boolean;
  /** An incremental backup's parent: a COMPLETED backup of the same instance (checked again here). */
  parentId?: string | null;
}

/** Server states in which the engine answers, so a backup can be streamed (public ACTIVE or RESTART_REQUIRED). */
const servingStates = ["HEALTHY", "RESTART_REQUIRED"];

/**
 * Records the backup and moves its instance into BACKING_UP with a BACKUP task (deadline
 * taskDeadlinesMs.BACKUP). FAILED_PRECONDITION when the instance is busy or not serving;
 * ALREADY_EXISTS when the project has a backup of that name; RESOURCE_EXHAUSTED over quota.
 */
export async function startBackup(db: Db, quotas: Quotas, backup: NewBackup, requestId: string | null): Promise<{ backupId: string; taskId: string }> {
  try {
    return await inQuotaTransaction(db, async (tx) => {
      await quotas.enforce(tx, backup.projectId, { backups: 1, newBackup: true });
      const { storage, ...fields } = backup;
      if (backup.parentId) {
        // Writing the parent's row holds it against a delete or retention pass that marks it
        // DELETING; once the child exists, the foreign key keeps the parent.
        const held = await tx.backup.updateMany({
          where: { id: backup.parentId, instanceId: backup.instanceId, state: "COMPLETED" },
          data: { updatedAt: new Date() },
        });
        if (held.count === 0) throw new FailedPreconditionError("the parent backup is no longer COMPLETED (being deleted?); an incremental backup needs one");
      }
      const row = await tx.backup.create({
        data: { ...fields, kind: backup.parentId ? "INCREMENTAL" : "FULL", state: "NEW", storageKind: storage.kind, storageLocation: storage.location },
      });
      const moved = await tx.instance.updateMany({
        where: { id: backup.instanceId, deletedAt: null, taskStatus: "NONE", serviceStatus: { in: servingStates } },
        data: { taskStatus: "BACKING_UP" },
      });
      if (moved.count === 0) {
        const current = await tx.instance.findUnique({ where: { id: backup.instanceId } });
        const name = current?.name ?? backup.instanceId;
        if (!current || current.deletedAt) throw new FailedPreconditionError(`instance "${name}" is deleted`);
        if (current.taskStatus !== "NONE") throw new FailedPreconditionError(`instance "${name}" is busy with task ${current.taskStatus}; try again when it is done`);
        throw new FailedPreconditionError(`instance "${name}" is not serving (its server is ${current.serviceStatus}); try again when it is ACTIVE`);
      }
      const task = await tx.task.create({
        data: {
          instanceId: backup.instanceId,
          kind: "BACKUP",
          payload: actionPayload({ backupId: row.id }),
          requestId,
          deadlineAt: new Date(Date.now() + taskDeadlinesMs.BACKUP),
          state: "PENDING",
          step: "",
        },
      });
      return { backupId: row.id, taskId: task.id };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AlreadyExistsError("backup", backup.name);
    throw err;
  }
}
