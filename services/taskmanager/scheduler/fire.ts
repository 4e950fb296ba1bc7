// Fires due backup schedules. Each due schedule is claimed by moving its next run on (from the
// value read, so of several taskmanagers exactly one fires it), then its backup is started as
// CreateBackup starts one. An instance busy with another task, or not serving, or a project at
// its backups or backup_gb quota, skips this run: the schedule records why (lastError) and an
// instance event says so, and it tries again at its next time. Missed runs are not made up for.
// With full_every, a run is incremental on the schedule's previous backup unless a full one is
// due (domain/scheduled-parent.ts).
import { randomUUID } from "node:crypto";
import type { BackupStorageRef } from "../../platform/backup-settings.js";
import { nextCronRun } from "../../platform/cron.js";
import { HoardError } from "../../platform/errors.js";
import type { Logger } from "../../platform/logger.js";
import { takesIncrementalBackups } from "../../platform/incremental-backups.js";
import { autoBackupName } from "../domain/backup-names.js";
import { scheduledParent } from "../domain/scheduled-parent.js";
import type { DueSchedule, ScheduleStore } from "../store/schedules.js";

export interface FireDeps {
  store: ScheduleStore;
  /** Where new backups go (HOARD_BACKUP_STORAGE). */
  storage: BackupStorageRef;
  addEvent: (instanceId: string, kind: string, message: string, requestId: string | null) => Promise<void>;
  /** Tells the task runner a task is waiting. */
  kick: () => void;
  logger: Logger;
}

/** How many due schedules one pass looks at; the rest wait for the next pass. */
const batch = 50;

/** Fires every schedule due at `now`; returns how many backups it started. */
export async function fireDueSchedules(deps: FireDeps, now = new Date()): Promise<number> {
  let started = 0;
  for (const schedule of await deps.store.due(now, batch)) {
    try {
      if (await fire(deps, schedule, now)) started++;
    } catch (err) {
      deps.logger.error({ err, instanceId: schedule.instanceId }, "scheduled backup could not be fired");
    }
  }
  if (started > 0) deps.kick();
  return started;
}

async function fire(deps: FireDeps, schedule: DueSchedule, now: Date): Promise<boolean> {
  const { store, logger } = deps;
  const { instance } = schedule;
  if (instance.deletedAt) {
    // The instance is gone; its schedule goes with it (its backups stay, as after a manual delete).
    await store.remove(schedule.id);
    logger.info({ instanceId: instance.id }, "backup schedule of a deleted instance removed");
    return false;
  }
  if (!(await store.claim(schedule.id, schedule.nextRunAt, nextCronRun(schedule.cron, now), now))) return false;
  const requestId = randomUUID();
  try {
    const last = schedule.fullEvery && schedule.fullEvery > 1 ? await store.previousScheduled(instance.id) : undefined;
    // An instance moved to another datastore version starts a new chain.
    const previous = last?.datastoreVersionId === instance.datastoreVersionId ? last : undefined;
    const parentId = scheduledParent(schedule.fullEvery, takesIncrementalBackups(instance.datastoreVersion.manager), previous);
    // An increment is stored where its parent is.
    const storage = parentId && previous ? (previous.storage as BackupStorageRef) : deps.storage;
    const { backupId } = await store.startBackup(
      {
        projectId: instance.projectId,
        instanceId: instance.id,
        name: autoBackupName(instance.name, now),
        description: `taken by the backup schedule "${schedule.cron}"`,
        datastoreVersionId: instance.datastoreVersionId,
        volumeSizeGb: instance.volumeSizeGb,
        storage,
        scheduled: true,
        parentId: parentId ?? null,
      },
      requestId,
    );
    await store.recordRun(schedule.id, { lastBackupId: backupId, lastError: null });
    logger.info({ instanceId: instance.id, backupId, requestId }, "scheduled backup started");
    return true;
  } catch (err) {
    if (!(err instanceof HoardError)) throw err;
    await store.recordRun(schedule.id, { lastError: err.message });
    await deps.addEvent(instance.id, "BACKUP", `scheduled backup skipped: ${err.message}`, requestId);
    logger.info({ instanceId: instance.id, reason: err.message }, "scheduled backup skipped");
    return false;
  }
}
