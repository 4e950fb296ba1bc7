// Retention: for each schedule, deletes the scheduled backups its rules no longer keep
// (domain/retention.ts decides which, children before parents). Each one is marked DELETING first,
// so no restore starts from it, then checked again for a restore building from it or a backup
// built on it (either puts it back and ends that instance's pass); then its stored objects go,
// then its row. A failure leaves the rest of that instance's backups for the next pass.
import type { Logger } from "../../platform/logger.js";
import { backupsToPrune } from "../domain/retention.js";
import type { PrunableBackup, ScheduleStore } from "../store/schedules.js";

export interface PruneDeps {
  store: ScheduleStore;
  /** Removes a backup's stored objects (idempotent), wherever it was stored. */
  deleteObjects: (backup: PrunableBackup) => Promise<void>;
  addEvent: (instanceId: string, kind: string, message: string, requestId: string | null) => Promise<void>;
  logger: Logger;
}

/** A backup left DELETING this long by a process that died is taken over. */
const staleDeletingMs = 15 * 60_000;

/** One retention pass over every schedule; returns how many backups it deleted. */
export async function pruneScheduledBackups(deps: PruneDeps, now = new Date()): Promise<number> {
  const schedules = await deps.store.rules();
  if (schedules.length === 0) return 0;
  const staleBefore = new Date(now.getTime() - staleDeletingMs);
  const backups = await deps.store.backupsOf(schedules.map((s) => s.instanceId), staleBefore);
  const inUse = await deps.store.restoringFrom(backups.map((b) => b.id));
  let deleted = 0;
  for (const schedule of schedules) {
    const own = backups.filter((b) => b.instanceId === schedule.instanceId);
    const byId = new Map(own.map((b) => [b.id, b]));
    for (const id of backupsToPrune(own, schedule, now, inUse)) {
      const backup = byId.get(id);
      if (!backup) continue;
      try {
        if (!(await pruneOne(deps, backup, staleBefore))) break;
        deleted++;
      } catch (err) {
        deps.logger.error({ err, instanceId: backup.instanceId, backupId: backup.id }, "pruning a scheduled backup failed; retried on the next pass");
        break;
      }
    }
  }
  return deleted;
}

/** Deletes one backup; false when it turned out to be needed (or changed) and was left alone. */
async function pruneOne(deps: PruneDeps, backup: PrunableBackup, staleBefore: Date): Promise<boolean> {
  const { store } = deps;
  if (!(await store.markDeleting(backup.id, backup.state, staleBefore))) return false;
  // After the mark no new restore can start from it; one that started before shows here.
  const restoring = (await store.restoringFrom([backup.id])).size > 0;
  if (restoring || (await store.hasChildren(backup.id))) {
    if (backup.state !== "DELETING") await store.unmarkDeleting(backup.id, backup.state);
    return false;
  }
  await deps.deleteObjects(backup);
  await store.removeBackup(backup.id);
  await deps.addEvent(backup.instanceId, "BACKUP", `scheduled backup ${backup.name} pruned by retention`, null);
  deps.logger.info({ instanceId: backup.instanceId, backupId: backup.id }, "scheduled backup pruned");
  return true;
}
