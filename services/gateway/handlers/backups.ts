// hoard.v1.BackupService: backups of the caller's instances. Taking one is a BACKUP task on the
// instance (the guest agent streams it into backup storage); deleting one removes its stored
// objects, then its record.
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { BackupService } from "../../../gen/proto/hoard/v1/backup_pb.js";
import type { BackupStorageRef } from "../../platform/backup-settings.js";
import { NotFoundError } from "../../platform/errors.js";
import { actionPayload, taskDeadlinesMs } from "../../platform/task-payload.js";
import { toBackupView } from "../domain/backup-view.js";
import { requireReady } from "../domain/guest-access.js";
import type { BackupRow, BackupStore } from "../store/backups.js";
import type { InstanceStore } from "../store/instances.js";
import { loadInstance, projectOf, requestIdOf } from "./scope.js";

export interface BackupHandlerDeps {
  backups: BackupStore;
  instances: InstanceStore;
  /** Where new backups go. */
  storage: BackupStorageRef;
  /** Removes a backup's stored objects (idempotent), wherever that backup was stored. */
  deleteObjects: (backup: BackupRow) => Promise<void>;
  submitTask: (taskId: string) => void;
}

export function registerBackupService(router: ConnectRouter, deps: BackupHandlerDeps): void {
  const { backups } = deps;

  async function load(ctx: HandlerContext, idOrName: string): Promise<BackupRow> {
    const row = await backups.find(projectOf(ctx), idOrName);
    if (!row) throw new NotFoundError("backup", idOrName);
    return row;
  }

  router.service(BackupService, {
    async createBackup(req, ctx) {
      const instance = await loadInstance(deps.instances, ctx, req.instance);
      requireReady(instance);
      const { backup, taskId } = await backups.create(
        {
          projectId: projectOf(ctx),
          instanceId: instance.id,
          name: req.name,
          description: req.description,
          datastoreVersionId: instance.datastoreVersionId,
          volumeSizeGb: instance.volumeSizeGb,
          storage: deps.storage,
        },
        (backupId) => ({
          kind: "BACKUP",
          payload: actionPayload({ backupId }),
          requestId: requestIdOf(ctx),
          deadlineAt: new Date(Date.now() + taskDeadlinesMs.BACKUP),
        }),
      );
      deps.submitTask(taskId);
      return { backup: toBackupView(backup) };
    },

    async getBackup(req, ctx) {
      return { backup: toBackupView(await load(ctx, req.id)) };
    },

    async listBackups(req, ctx) {
      const instanceId = req.instance ? (await loadInstance(deps.instances, ctx, req.instance)).id : undefined;
      return { backups: (await backups.list(projectOf(ctx), instanceId)).map(toBackupView) };
    },

    async deleteBackup(req, ctx) {
      const row = await backups.startDelete((await load(ctx, req.id)).id);
      await deps.deleteObjects(row);
      await backups.remove(row.id);
      return {};
    },
  });
}
