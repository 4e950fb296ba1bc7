// The gateway's reads and writes of backups, scoped by project. A new backup and the BACKUP task
// on its instance are written together, so a backup never waits for a task that does not exist.
import type { Db } from "../../platform/db/index.js";
import { AlreadyExistsError, FailedPreconditionError } from "../../platform/errors.js";
import type { BackupStorageRef } from "../../platform/backup-settings.js";
import type { NewTask } from "./instances.js";

const withVersion = { include: { datastoreVersion: { include: { datastore: true } } } } as const;

function findOne(db: Db, id: string) {
  return db.backup.findUniqueOrThrow({ where: { id }, include: { instance: withVersion } });
}

export type BackupRow = Awaited<ReturnType<typeof findOne>>;

export interface NewBackup {
  projectId: string;
  instanceId: string;
  name: string;
  description: string;
  datastoreVersionId: string;
  volumeSizeGb: number;
  storage: BackupStorageRef;
}

export function createBackupStore(db: Db) {
  return {
    /** Records the backup and moves its instance into BACKING_UP with a BACKUP task; busy instances refuse. */
    async create(backup: NewBackup, task: (backupId: string) => NewTask): Promise<{ backup: BackupRow; taskId: string }> {
      try {
        return await db.$transaction(async (tx) => {
          const { storage, ...fields } = backup;
          const row = await tx.backup.create({ data: { ...fields, state: "NEW", storageKind: storage.kind, storageLocation: storage.location } });
          const moved = await tx.instance.updateMany({
            where: { id: backup.instanceId, deletedAt: null, taskStatus: "NONE" },
            data: { taskStatus: "BACKING_UP" },
          });
          if (moved.count === 0) {
            const current = await tx.instance.findUnique({ where: { id: backup.instanceId } });
            throw new FailedPreconditionError(`instance "${current?.name ?? backup.instanceId}" is busy with task ${current?.taskStatus ?? "unknown"}; try again when it is done`);
          }
          const created = await tx.task.create({ data: { instanceId: backup.instanceId, ...task(row.id), state: "PENDING", step: "" } });
          return { backup: await findOne(tx as Db, row.id), taskId: created.id };
        });
      } catch (err) {
        if ((err as { code?: string }).code === "P2002") throw new AlreadyExistsError("backup", backup.name);
        throw err;
      }
    },

    find: (projectId: string, idOrName: string): Promise<BackupRow | null> =>
      db.backup.findFirst({ where: { projectId, OR: [{ id: idOrName }, { name: idOrName }] }, include: { instance: withVersion } }),

    list: (projectId: string, instanceId?: string): Promise<BackupRow[]> =>
      db.backup.findMany({
        where: { projectId, ...(instanceId ? { instanceId } : {}) },
        include: { instance: withVersion },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      }),

    /** Marks a finished backup DELETING (so no restore starts from it); FAILED_PRECONDITION while it is being taken. */
    async startDelete(id: string): Promise<BackupRow> {
      const moved = await db.backup.updateMany({ where: { id, state: { in: ["COMPLETED", "FAILED", "DELETING"] } }, data: { state: "DELETING" } });
      if (moved.count === 0) throw new FailedPreconditionError("the backup is still being taken; delete it when it is done");
      return findOne(db, id);
    },

    remove: async (id: string): Promise<void> => {
      await db.backup.delete({ where: { id } });
    },
  };
}

export type BackupStore = ReturnType<typeof createBackupStore>;
