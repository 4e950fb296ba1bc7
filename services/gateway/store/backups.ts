// The gateway's reads and writes of backups, scoped by project. A new backup and the BACKUP task
// on its instance are written together (platform/store/backup-start.ts, shared with the
// taskmanager's scheduler), so a backup never waits for a task that does not exist.
import type { Db } from "../../platform/db/index.js";
import { FailedPreconditionError } from "../../platform/errors.js";
import { loadBackupChain } from "../../platform/store/backup-chain.js";
import { startBackup, type NewBackup } from "../../platform/store/backup-start.js";
import type { Quotas } from "../../platform/store/quota.js";

const withVersion = { include: { datastoreVersion: { include: { datastore: true } } } } as const;

function findOne(db: Db, id: string) {
  return db.backup.findUniqueOrThrow({ where: { id }, include: { instance: withVersion } });
}

export type BackupRow = Awaited<ReturnType<typeof findOne>>;

export type { NewBackup };

export function createBackupStore(db: Db, quotas: Quotas) {
  return {
    /** Records the backup and moves its instance into BACKING_UP with a BACKUP task; busy instances refuse, and so does a project at its backup quotas. */
    async create(backup: NewBackup, requestId: string): Promise<{ backup: BackupRow; taskId: string }> {
      const { backupId, taskId } = await startBackup(db, quotas, backup, requestId);
      return { backup: await findOne(db, backupId), taskId };
    },

    find: (projectId: string, idOrName: string): Promise<BackupRow | null> =>
      db.backup.findFirst({ where: { projectId, OR: [{ id: idOrName }, { name: idOrName }] }, include: { instance: withVersion } }),

    /** The newest completed full backup of an instance (id or name, deleted ones too) that completed before `time`. */
    newestFullBefore: (projectId: string, instanceIdOrName: string, time: Date): Promise<BackupRow | null> =>
      db.backup.findFirst({
        where: {
          projectId,
          instance: { OR: [{ id: instanceIdOrName }, { name: instanceIdOrName }] },
          state: "COMPLETED",
          kind: "FULL",
          completedAt: { lt: time },
        },
        include: { instance: withVersion },
        orderBy: [{ completedAt: "desc" }, { id: "desc" }],
      }),

    list: (projectId: string, instanceId?: string): Promise<BackupRow[]> =>
      db.backup.findMany({
        where: { projectId, ...(instanceId ? { instanceId } : {}) },
        include: { instance: withVersion },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      }),

    /** The instance's newest COMPLETED backup: what an incremental backup builds on by default. */
    newestCompleted: (instanceId: string): Promise<BackupRow | null> =>
      db.backup.findFirst({ where: { instanceId, state: "COMPLETED" }, include: { instance: withVersion }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }),

    /** Every backup of an instance (a chain never leaves its instance). */
    ofInstance: (instanceId: string): Promise<BackupRow[]> => db.backup.findMany({ where: { instanceId }, include: { instance: withVersion } }),

    /** The chain a restore of `id` reads: its full backup first, `id` last. */
    chain: (id: string) => loadBackupChain(db, id),

    /** Names of the instances being built from any of these backups. */
    async restoringFrom(backupIds: string[]): Promise<string[]> {
      const rows = await db.instance.findMany({ where: { deletedAt: null, taskStatus: "BUILDING", sourceBackupId: { in: backupIds } }, select: { name: true } });
      return rows.map((r) => r.name);
    },

    /** Marks a finished backup DELETING (so no restore starts from it); FAILED_PRECONDITION while it is being taken. */
    async startDelete(id: string): Promise<BackupRow> {
      const moved = await db.backup.updateMany({ where: { id, state: { in: ["COMPLETED", "FAILED", "DELETING"] } }, data: { state: "DELETING" } });
      if (moved.count === 0) throw new FailedPreconditionError("the backup is still being taken; delete it when it is done");
      return findOne(db, id);
    },

    /** Puts back a backup marked DELETING by an abandoned delete. */
    async unmarkDeleting(id: string, to: string): Promise<void> {
      await db.backup.updateMany({ where: { id, state: "DELETING" }, data: { state: to } });
    },

    remove: async (id: string): Promise<void> => {
      await db.backup.delete({ where: { id } });
    },
  };
}

export type BackupStore = ReturnType<typeof createBackupStore>;
