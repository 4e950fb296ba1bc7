// hoard.v1.BackupService: backups of the caller's instances. Taking one is a BACKUP task on the
// instance (the guest agent streams it into backup storage); deleting one removes its stored
// objects, then its record. An instance's backup schedule is set, shown and cleared here; the
// taskmanager fires it and prunes its backups.
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { BackupService } from "../../../gen/proto/hoard/v1/backup_pb.js";
import type { BackupStorageRef } from "../../platform/backup-settings.js";
import { cronProblem, nextCronRun } from "../../platform/cron.js";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../../platform/errors.js";
import { requireIncrementalBackups, takesIncrementalBackups } from "../../platform/incremental-backups.js";
import { toBackupScheduleView, toBackupView } from "../domain/backup-view.js";
import { requireReady } from "../domain/guest-access.js";
import type { BackupScheduleStore } from "../store/backup-schedules.js";
import type { BackupRow, BackupStore } from "../store/backups.js";
import type { InstanceRow, InstanceStore } from "../store/instances.js";
import { deleteBackupTree } from "./backup-delete.js";
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

  /** What an incremental backup of `instance` builds on: `idOrName`, or its newest COMPLETED backup. */
  async function parentFor(ctx: HandlerContext, instance: InstanceRow, idOrName: string): Promise<BackupRow> {
    const { manager, datastore } = instance.datastoreVersion;
    requireIncrementalBackups(manager, datastore.name);
    const parent = idOrName ? await load(ctx, idOrName) : await backups.newestCompleted(instance.id);
    if (!parent) throw new FailedPreconditionError(`instance "${instance.name}" has no COMPLETED backup for an incremental backup to build on; take a full backup first`);
    if (parent.instanceId !== instance.id) {
      throw new FailedPreconditionError(`backup "${parent.name}" is of another instance; an incremental backup builds on a backup of instance "${instance.name}"`);
    }
    if (parent.state !== "COMPLETED") throw new FailedPreconditionError(`backup "${parent.name}" is ${parent.state}; an incremental backup builds on a COMPLETED one`);
    if (parent.datastoreVersionId !== instance.datastoreVersionId) {
      throw new FailedPreconditionError(`backup "${parent.name}" is of another datastore version than the instance runs now; take a full backup first`);
    }
    return parent;
  }

  router.service(BackupService, {
    async createBackup(req, ctx) {
      const instance = await loadInstance(deps.instances, ctx, req.instance);
      requireReady(instance);
      const parent = req.incremental ? await parentFor(ctx, instance, req.parent) : undefined;
      const { backup, taskId } = await backups.create(
        {
          projectId: projectOf(ctx),
          instanceId: instance.id,
          name: req.name,
          description: req.description,
          datastoreVersionId: instance.datastoreVersionId,
          volumeSizeGb: instance.volumeSizeGb,
          // A chain lives where its full backup does.
          storage: parent ? { kind: parent.storageKind as BackupStorageRef["kind"], location: parent.storageLocation } : deps.storage,
          parentId: parent?.id ?? null,
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
      await deleteBackupTree(backups, deps.deleteObjects, await load(ctx, req.id), req.cascade);
      return {};
    },

    async setBackupSchedule(req, ctx) {
      const instance = await loadInstance(deps.instances, ctx, req.instance);
      const problem = cronProblem(req.cron);
      if (problem) throw new InvalidArgumentError("cron", problem);
      const cron = req.cron.trim().split(/\s+/).join(" ");
      const fullEvery = req.fullEvery > 1 ? req.fullEvery : null;
      const { manager, datastore } = instance.datastoreVersion;
      if (fullEvery !== null && !takesIncrementalBackups(manager)) {
        throw new InvalidArgumentError("full_every", `${datastore.name} backups are always full: leave full_every 0 (incremental backups are not supported for ${datastore.name})`);
      }
      const schedule = await deps.schedules.set({
        projectId: instance.projectId,
        instanceId: instance.id,
        cron,
        keepLast: req.keepLast || null,
        keepDays: req.keepDays || null,
        fullEvery,
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
