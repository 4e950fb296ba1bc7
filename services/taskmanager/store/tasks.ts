// The taskmanager's reads and writes: claiming tasks with leases, recording steps and outcomes,
// and moving instances through their workflow states. The only place it touches Prisma.
import type { Db } from "../../platform/db/index.js";
import { loadBackupChain } from "../../platform/store/backup-chain.js";

const taskInclude = {
  instance: { include: { flavor: true, datastoreVersion: { include: { datastore: true } }, configuration: true } },
} as const;

export type ClaimedTask = NonNullable<Awaited<ReturnType<typeof loadTask>>>;

function loadTask(db: Db, id: string) {
  return db.task.findUnique({ where: { id }, include: taskInclude });
}

export interface InstanceChange {
  host?: string | null;
  port?: number | null;
  volumeKind?: string | null;
  computeStatus?: string;
  taskStatus?: string;
  serviceStatus?: string;
  serviceDetail?: string | null;
  lastReportAt?: Date;
  faultMessage?: string | null;
  faultDetails?: string | null;
  faultAt?: Date | null;
  flavorId?: string;
  volumeSizeGb?: number;
  volumeUsedBytes?: bigint;
  volumeTotalBytes?: bigint;
  walWrappedKey?: string;
}

export interface BackupChange {
  state?: string;
  wrappedKey?: string;
  objects?: string;
  format?: string;
  engineVersion?: string;
  engineDetails?: string;
  sizeBytes?: bigint;
  storedBytes?: bigint;
  progressBytes?: bigint;
  progressTotalBytes?: bigint | null;
  progressAt?: Date;
  faultMessage?: string | null;
  completedAt?: Date;
}

export function createTaskStore(db: Db, owner: string) {
  const claimable = (now: Date) => ({
    OR: [{ state: "PENDING" }, { state: "RUNNING", leaseExpiresAt: { lt: now } }],
  });

  return {
    /** Ids of tasks this taskmanager may claim now, oldest first. */
    async claimableIds(limit: number): Promise<string[]> {
      const rows = await db.task.findMany({
        where: claimable(new Date()),
        orderBy: { createdAt: "asc" },
        take: limit,
        select: { id: true },
      });
      return rows.map((r) => r.id);
    },

    /** Takes a lease on a task if nobody holds a live one; undefined when another owner got it. */
    async claim(id: string, leaseMs: number): Promise<ClaimedTask | undefined> {
      const now = new Date();
      const taken = await db.task.updateMany({
        where: { id, ...claimable(now) },
        data: { state: "RUNNING", leaseOwner: owner, leaseExpiresAt: new Date(now.getTime() + leaseMs), attempts: { increment: 1 } },
      });
      if (taken.count === 0) return undefined;
      return (await loadTask(db, id)) ?? undefined;
    },

    /** After a crash of this very taskmanager, its leases are known dead: release them at once. */
    async releaseOwnLeases(): Promise<number> {
      const released = await db.task.updateMany({
        where: { state: "RUNNING", leaseOwner: owner },
        data: { leaseExpiresAt: new Date(0) },
      });
      return released.count;
    },

    /** False when the task is no longer ours to run (an operator reset the instance's status). */
    async renewLease(id: string, leaseMs: number): Promise<boolean> {
      const renewed = await db.task.updateMany({
        where: { id, leaseOwner: owner, state: "RUNNING" },
        data: { leaseExpiresAt: new Date(Date.now() + leaseMs) },
      });
      return renewed.count > 0;
    },

    async recordStep(id: string, step: string): Promise<void> {
      await db.task.update({ where: { id }, data: { step } });
    },

    /** Ends a task; its payload (which may hold secrets) is erased either way. */
    async finish(id: string, outcome: { state: "SUCCEEDED" } | { state: "FAILED"; fault: string }): Promise<void> {
      await db.task.update({
        where: { id },
        data: {
          state: outcome.state,
          faultMessage: outcome.state === "FAILED" ? outcome.fault : null,
          payload: "",
          leaseOwner: null,
          leaseExpiresAt: null,
        },
      });
    },

    /** Fails every other unfinished task of an instance (a delete supersedes them). */
    async supersede(instanceId: string, exceptTaskId: string): Promise<void> {
      await db.task.updateMany({
        where: { instanceId, id: { not: exceptTaskId }, state: { in: ["PENDING", "RUNNING"] } },
        data: { state: "FAILED", faultMessage: "superseded by a delete", payload: "", leaseOwner: null, leaseExpiresAt: null },
      });
    },

    async taskStatusOf(instanceId: string): Promise<string | undefined> {
      const row = await db.instance.findUnique({ where: { id: instanceId }, select: { taskStatus: true } });
      return row?.taskStatus;
    },

    async updateInstance(instanceId: string, change: InstanceChange): Promise<void> {
      await db.instance.update({ where: { id: instanceId }, data: change });
    },

    /** Soft-deletes the row and frees its name for reuse. */
    async markDeleted(instanceId: string): Promise<void> {
      await db.instance.update({
        where: { id: instanceId },
        data: { deletedAt: new Date(), activeName: null, computeStatus: "NONE", taskStatus: "NONE" },
      });
    },

    backup: (id: string) => db.backup.findUniqueOrThrow({ where: { id } }),

    /** The chain a restore of backup `id` reads: its full backup first, `id` last. */
    backupChain: (id: string) => loadBackupChain(db, id),

    /** An instance's WAL archive and whether it may still run (deleted ones keep their archive). */
    walArchiveOf: (instanceId: string) =>
      db.instance.findUniqueOrThrow({
        where: { id: instanceId },
        select: { id: true, deletedAt: true, computeStatus: true, walStorageKind: true, walStorageLocation: true, walWrappedKey: true },
      }),

    async updateBackup(id: string, change: BackupChange): Promise<void> {
      await db.backup.update({ where: { id }, data: change });
    },

    async addEvent(instanceId: string, kind: string, message: string, requestId: string | null): Promise<void> {
      await db.instanceEvent.create({ data: { instanceId, kind, message, requestId } });
    },

    /**
     * Instances that should have a running agent: not deleted, compute allocated. `idleOnly` leaves
     * out those a workflow is working on (a delete may be destroying them right now).
     */
    async liveInstances(idleOnly: boolean) {
      return db.instance.findMany({
        where: { deletedAt: null, computeStatus: "RUNNING", ...(idleOnly ? { taskStatus: "NONE" } : {}) },
        include: { datastoreVersion: true },
      });
    },

    /** Ids of instances that are not deleted (for orphan collection). */
    async existingIds(ids: string[]): Promise<Set<string>> {
      const rows = await db.instance.findMany({ where: { id: { in: ids }, deletedAt: null }, select: { id: true } });
      return new Set(rows.map((r) => r.id));
    },
  };
}

export type TaskStore = ReturnType<typeof createTaskStore>;
