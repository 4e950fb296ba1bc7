// hoard.v1.BackupService: backups of the caller's instances. Taking one is a BACKUP task on the
// instance (the guest agent streams it into backup storage); deleting one removes its stored
// objects, then its record. An instance's backup schedule is set, shown and cleared here; the
// taskmanager fires it and prunes its backups.
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { BackupService } from "../../../gen/proto/hoard/v1/backup_pb.js";
import type { BackupStorageRef } from "../../platform/backup-settings.js";
import { cronProblem, nextCronRun } from "../../platform/cron.js";
import { InvalidArgumentError, NotFoundError } from "../../platform/errors.js";
import { toBackupScheduleView, toBackupView } from "../domain/backup-view.js";
import { requireReady } from "../domain/guest-access.js";
import type { BackupScheduleStore } from "../store/backup-schedules.js";
import type { BackupRow, BackupStore } from "../store/backups.js";
import type { InstanceStore } from "../store/instances.js";
import { loadInstance, projectOf, requestIdOf } from "./scope.js";

export interface BackupHandlerDeps {
  backups: BackupStore;
  schedules: BackupScheduleStore;
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
        requestIdOf(ctx),
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

    async setBackupSchedule(req, ctx) {
      const instance = await loadInstance(deps.instances, ctx, req.instance);
      const problem = cronProblem(req.cron);
      if (problem) throw new InvalidArgumentError("cron", problem);
      const cron = req.cron.trim().split(/\s+/).join(" ");
      const schedule = await deps.schedules.set({
        projectId: instance.projectId,
        instanceId: instance.id,
        cron,
        keepLast: req.keepLast || null,
        keepDays: req.keepDays || null,
        nextRunAt: nextCronRun(cron, new Date()),
      });
      return { schedule: toBackupScheduleView(schedule) };
    },

    async getBackupSchedule(req, ctx) {
      const instance = await loadInstance(deps.instances, ctx, req.instance);
      const schedule = await deps.schedules.find(instance.id);
      if (!schedule) throw new NotFoundError("backup schedule of instance", req.instance);
      return { schedule: toBackupScheduleView(schedule) };
    },

    async clearBackupSchedule(req, ctx) {
      await deps.schedules.clear((await loadInstance(deps.instances, ctx, req.instance)).id);
      return {};
    },
  });
}
