// The gateway's reads and writes of backup schedules: one per instance, set (replacing any
// earlier one), shown and cleared. The taskmanager's scheduler fires them and applies retention.
import type { Db } from "../../platform/db/index.js";

export interface ScheduleSettings {
  projectId: string;
  instanceId: string;
  cron: string;
  keepLast: number | null;
  keepDays: number | null;
  /** Every this many scheduled backups one is full; null: all full. */
  fullEvery: number | null;
  nextRunAt: Date;
}

export type BackupScheduleRow = Awaited<ReturnType<Db["backupSchedule"]["findUniqueOrThrow"]>>;

/** The gateway's store of backup schedules over `db`; the handler scopes by project through the instance. */
export function createBackupScheduleStore(db: Db) {
  return {
    find: (instanceId: string): Promise<BackupScheduleRow | null> => db.backupSchedule.findUnique({ where: { instanceId } }),

    /** Sets the instance's schedule; a replaced one keeps its history (last run and backup) but not its last error. */
    set: ({ instanceId, ...settings }: ScheduleSettings): Promise<BackupScheduleRow> =>
      db.backupSchedule.upsert({
        where: { instanceId },
        create: { instanceId, ...settings },
        update: { ...settings, lastError: null },
      }),

    /** Removes the instance's schedule, if it has one. */
    async clear(instanceId: string): Promise<void> {
      await db.backupSchedule.deleteMany({ where: { instanceId } });
    },
  };
}

export type BackupScheduleStore = ReturnType<typeof createBackupScheduleStore>;
