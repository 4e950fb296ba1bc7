// The backup scheduler's reads and writes: due schedules claimed by moving their next run on from
// the value read (so two taskmanagers never both fire one run), backups started through the
// shared transaction the gateway's CreateBackup uses, and what retention reads and deletes.
import type { Db } from "../../platform/db/index.js";
import { loadBackupChain } from "../../platform/store/backup-chain.js";
import { startBackup, type NewBackup } from "../../platform/store/backup-start.js";
import type { Quotas } from "../../platform/store/quota.js";

const dueInclude = {
  instance: {
    select: { id: true, name: true, projectId: true, datastoreVersionId: true, volumeSizeGb: true, deletedAt: true, datastoreVersion: { select: { manager: true } } },
  },
} as const;

function findDue(db: Db, now: Date, limit: number) {
  return db.backupSchedule.findMany({ where: { nextRunAt: { lte: now } }, include: dueInclude, orderBy: { nextRunAt: "asc" }, take: limit });
}

export type DueSchedule = Awaited<ReturnType<typeof findDue>>[number];

/** What a retention pass needs of a backup: the decision's inputs and where its objects are. */
const prunableSelect = {
  id: true,
  instanceId: true,
  name: true,
  state: true,
  scheduled: true,
  createdAt: true,
  parentId: true,
  storageKind: true,
  storageLocation: true,
  objects: true,
} as const;

/** The scheduler's store over `db`; every taskmanager may hold one, claims keep them apart. */
export function createScheduleStore(db: Db, quotas: Quotas) {
  return {
    /** Schedules whose next run is due, earliest first. */
    due: (now: Date, limit: number): Promise<DueSchedule[]> => findDue(db, now, limit),

    /** Moves a due schedule's next run from `seen` to `next`; false when another taskmanager (or a new setting) moved it first. */
    async claim(id: string, seen: Date, next: Date, now: Date): Promise<boolean> {
      const claimed = await db.backupSchedule.updateMany({ where: { id, nextRunAt: seen }, data: { nextRunAt: next, lastRunAt: now } });
      return claimed.count === 1;
    },

    /** Records what a run did; a schedule cleared meanwhile is left cleared. */
    async recordRun(id: string, outcome: { lastBackupId: string; lastError: null } | { lastError: string }): Promise<void> {
      await db.backupSchedule.updateMany({ where: { id }, data: outcome });
    },

    async remove(id: string): Promise<void> {
      await db.backupSchedule.deleteMany({ where: { id } });
    },

    /** Starts a scheduled backup exactly as CreateBackup does (platform/store/backup-start.ts), quotas included. */
    startBackup: (backup: NewBackup, requestId: string): Promise<{ backupId: string; taskId: string }> => startBackup(db, quotas, backup, requestId),

    /** The instance's newest scheduled backup with the length of its chain (what a full_every schedule builds on). */
    async previousScheduled(instanceId: string) {
      const row = await db.backup.findFirst({ where: { instanceId, scheduled: true }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
      if (!row) return undefined;
      const chainLength = row.state === "COMPLETED" ? (await loadBackupChain(db, row.id)).length : 0;
      return { id: row.id, state: row.state, chainLength, datastoreVersionId: row.datastoreVersionId, storage: { kind: row.storageKind, location: row.storageLocation } };
    },

    /** Every schedule's retention rules. */
    rules: () => db.backupSchedule.findMany({ select: { instanceId: true, keepLast: true, keepDays: true } }),

    /**
     * The backups of these instances retention decides on: all of them, except those another
     * process is deleting right now (DELETING since after `staleBefore`).
     */
    backupsOf: (instanceIds: string[], staleBefore: Date) =>
      db.backup.findMany({
        where: { instanceId: { in: instanceIds }, OR: [{ state: { not: "DELETING" } }, { updatedAt: { lt: staleBefore } }] },
        select: prunableSelect,
      }),

    /** Of these backups, those an instance being built is restoring from. */
    async restoringFrom(backupIds: string[]): Promise<Set<string>> {
      if (backupIds.length === 0) return new Set();
      const rows = await db.instance.findMany({
        where: { deletedAt: null, taskStatus: "BUILDING", sourceBackupId: { in: backupIds } },
        select: { sourceBackupId: true },
      });
      return new Set(rows.flatMap((r) => (r.sourceBackupId ? [r.sourceBackupId] : [])));
    },

    /**
     * Marks a backup DELETING (no restore starts from it after this; one left DELETING since
     * before `staleBefore` is taken over); false when its state moved on from `from` meanwhile.
     */
    async markDeleting(id: string, from: string, staleBefore: Date): Promise<boolean> {
      const moved = await db.backup.updateMany({
        where: { id, state: from, ...(from === "DELETING" ? { updatedAt: { lt: staleBefore } } : {}) },
        data: { state: "DELETING" },
      });
      return moved.count === 1;
    },

    /** True when another backup builds on this one (an incremental backup's parent). */
    hasChildren: async (id: string): Promise<boolean> => (await db.backup.count({ where: { parentId: id } })) > 0,

    async unmarkDeleting(id: string, to: string): Promise<void> {
      await db.backup.updateMany({ where: { id, state: "DELETING" }, data: { state: to } });
    },

    /** Deletes a backup's row (its objects are gone already); false when it was gone already. */
    async removeBackup(id: string): Promise<boolean> {
      const removed = await db.backup.deleteMany({ where: { id } });
      return removed.count === 1;
    },
  };
}

export type ScheduleStore = ReturnType<typeof createScheduleStore>;
export type PrunableBackup = Awaited<ReturnType<ScheduleStore["backupsOf"]>>[number];
