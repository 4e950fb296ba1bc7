// The gateway's reads and writes of instances and their tasks. Every query takes the caller's
// project: an instance of another project is indistinguishable from one that does not exist.
import type { Db } from "../../platform/db/index.js";
import { AlreadyExistsError, FailedPreconditionError } from "../../platform/errors.js";
import { inQuotaTransaction, type Quotas } from "../../platform/store/quota.js";
import type { TaskKind } from "../../platform/task-payload.js";
import { loadBackupChain } from "../../platform/store/backup-chain.js";

export type InstanceRow = Awaited<ReturnType<typeof findWithRelations>>;

const withRelations = { flavor: true, datastoreVersion: { include: { datastore: true } }, configuration: true } as const;

function findWithRelations(db: Db, id: string) {
  return db.instance.findUniqueOrThrow({ where: { id }, include: withRelations });
}

export interface NewInstance {
  projectId: string;
  name: string;
  flavorId: string;
  datastoreVersionId: string;
  volumeSizeGb: number;
  configurationId?: string | null;
  /** JSON array of CIDRs. */
  allowedCidrs?: string;
  deletionProtection?: boolean;
  sourceBackupId?: string | null;
  /** Point-in-time restores: the moment to replay the source's WAL to. */
  restoreTime?: Date | null;
  /** Where the new instance archives its WAL; null for engines without one. */
  walStorageKind?: string | null;
  walStorageLocation?: string | null;
}

/** What UpdateInstance changes at once, and the settings whose change needs a CONFIGURE task. */
export interface InstanceUpdate {
  name?: string;
  deletionProtection?: boolean;
  settings?: { allowedCidrs?: string; configurationId?: string | null; task: NewTask };
}

export interface NewTask {
  kind: TaskKind;
  payload: string;
  requestId: string;
  deadlineAt: Date;
}

/**
 * Which instances a new task may start on: idle ones (or in `alsoFrom`), and those whose last
 * task failed while their server still exists (compute running), so the user can retry. A failed
 * create has no compute left: only delete moves it on.
 */
export function takesNewTask(alsoFrom: string[] = []) {
  return [{ taskStatus: { in: ["NONE", ...alsoFrom] } }, { taskStatus: "FAILED", computeStatus: "RUNNING" }];
}

/** A new task starts without the last one's fault. */
export const clearedFault = { faultMessage: null, faultDetails: null, faultAt: null };

/** A resize's target sizes, checked against the project's ram_mb and volume_gb quotas. */
export interface InstanceGrowth {
  projectId: string;
  ramMb?: number;
  volumeGb?: number;
}

export type EventRow = Awaited<ReturnType<Db["instanceEvent"]["findFirstOrThrow"]>>;

export interface InstanceStore {
  /**
   * Applies an UpdateInstance in one transaction: all of it or nothing (a taken name is
   * AlreadyExists; settings on a busy instance FAILED_PRECONDITION naming its task).
   */
  update(instanceId: string, change: InstanceUpdate): Promise<{ instance: InstanceRow; taskId?: string }>;
  /** The newest `limit` events of an instance. */
  events(instanceId: string, limit: number): Promise<EventRow[]>;
  find(projectId: string, idOrName: string): Promise<InstanceRow | null>;
  /** One page in creation order, after the instance with id `afterId` when given. */
  list(projectId: string, afterId: string | undefined, limit: number): Promise<InstanceRow[]>;
  /**
   * Writes the instance and its CREATE task together, within the project's quotas (instances,
   * volume_gb, ram_mb; RESOURCE_EXHAUSTED otherwise); a taken name is AlreadyExists.
   */
  create(instance: NewInstance, task: NewTask): Promise<{ instance: InstanceRow; taskId: string }>;
  /**
   * Moves an instance into `taskStatus` and records its task, if the instance is idle (or in one
   * of `alsoFrom`); otherwise FAILED_PRECONDITION naming the workflow that holds it. With `grow`,
   * the growth from the instance's current sizes must fit the project's quotas.
   */
  startTask(
    instanceId: string,
    taskStatus: string,
    task: NewTask,
    alsoFrom?: string[],
    grow?: InstanceGrowth,
  ): Promise<{ instance: InstanceRow; taskId: string }>;
}

export function createInstanceStore(db: Db, quotas: Quotas): InstanceStore {
  /** Moves an instance that takes a new task (takesNewTask) into `taskStatus` with `data`, and records the task. */
  async function startTaskIn(tx: Db, instanceId: string, taskStatus: string, task: NewTask, alsoFrom: string[], data: object = {}): Promise<string> {
    const moved = await tx.instance.updateMany({
      where: {
        id: instanceId,
        deletedAt: null,
        OR: takesNewTask(alsoFrom),
      },
      data: { ...data, taskStatus, ...clearedFault },
    });
    if (moved.count === 0) {
      const current = await tx.instance.findUnique({ where: { id: instanceId } });
      const held = current?.taskStatus ?? "unknown";
      throw new FailedPreconditionError(
        held === "FAILED"
          ? `instance "${current?.name ?? instanceId}" failed to build; delete it`
          : `instance "${current?.name ?? instanceId}" is busy with task ${held}; try again when it is done`,
      );
    }
    const created = await tx.task.create({ data: { instanceId, ...task, state: "PENDING", step: "" } });
    return created.id;
  }

  return {
    async update(instanceId, change) {
      try {
        return await db.$transaction(async (tx) => {
          const direct = {
            ...(change.name !== undefined ? { name: change.name, activeName: change.name } : {}),
            ...(change.deletionProtection !== undefined ? { deletionProtection: change.deletionProtection } : {}),
          };
          if (Object.keys(direct).length > 0) {
            const updated = await tx.instance.updateMany({ where: { id: instanceId, deletedAt: null, taskStatus: { not: "DELETING" } }, data: direct });
            if (updated.count === 0) throw new FailedPreconditionError("the instance is being deleted");
          }
          let taskId: string | undefined;
          if (change.settings) {
            const { task, ...settings } = change.settings;
            taskId = await startTaskIn(tx as Db, instanceId, "CONFIGURING", task, [], settings);
          }
          return { instance: await findWithRelations(tx as Db, instanceId), ...(taskId ? { taskId } : {}) };
        });
      } catch (err) {
        if ((err as { code?: string }).code === "P2002") throw new AlreadyExistsError("instance", change.name ?? "");
        throw err;
      }
    },

    events: (instanceId, limit) =>
      db.instanceEvent.findMany({ where: { instanceId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: limit }),

    find: (projectId, idOrName) =>
      db.instance.findFirst({
        where: { projectId, deletedAt: null, OR: [{ id: idOrName }, { activeName: idOrName }] },
        include: withRelations,
      }),

    list: (projectId, afterId, limit) =>
      db.instance.findMany({
        where: { projectId, deletedAt: null },
        include: withRelations,
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        take: limit,
        ...(afterId ? { cursor: { id: afterId }, skip: 1 } : {}),
      }),

    async create(instance, task) {
      try {
        return await inQuotaTransaction(db, async (tx) => {
          await quotas.enforce(tx, instance.projectId, async (locked) => {
            const flavor = await locked.flavor.findUniqueOrThrow({ where: { id: instance.flavorId }, select: { ramMb: true } });
            return { instances: 1, volume_gb: instance.volumeSizeGb, ram_mb: flavor.ramMb };
          });
          if (instance.sourceBackupId) {
            // Writing the rows of the backup and of every backup its chain needs holds them against a
            // concurrent delete or retention pass, which marks them DELETING first and then looks
            // for restores building from them.
            const chain = (await loadBackupChain(tx, instance.sourceBackupId)).map((b) => b.id);
            const held = await tx.backup.updateMany({ where: { id: { in: chain }, state: "COMPLETED" }, data: { updatedAt: new Date() } });
            if (held.count !== chain.length) throw new FailedPreconditionError("the backup, or one it builds on, is being deleted; it cannot be restored");
          }
          const row = await tx.instance.create({
            data: {
              ...instance,
              activeName: instance.name,
              taskStatus: "BUILDING",
              serviceStatus: "NEW",
              computeStatus: "NONE",
            },
          });
          const created = await tx.task.create({
            data: { instanceId: row.id, ...task, state: "PENDING", step: "" },
          });
          return { instance: await findWithRelations(tx, row.id), taskId: created.id };
        });
      } catch (err) {
        if ((err as { code?: string }).code === "P2002") throw new AlreadyExistsError("instance", instance.name);
        throw err;
      }
    },

    async startTask(instanceId, taskStatus, task, alsoFrom = [], grow) {
      const run = async (tx: Db) => {
        if (grow) {
          await quotas.enforce(tx, grow.projectId, async (locked) => {
            const now = await locked.instance.findUniqueOrThrow({ where: { id: instanceId }, select: { volumeSizeGb: true, flavor: { select: { ramMb: true } } } });
            return {
              ram_mb: grow.ramMb === undefined ? 0 : grow.ramMb - now.flavor.ramMb,
              volume_gb: grow.volumeGb === undefined ? 0 : grow.volumeGb - now.volumeSizeGb,
            };
          });
        }
        const taskId = await startTaskIn(tx, instanceId, taskStatus, task, alsoFrom);
        return { instance: await findWithRelations(tx, instanceId), taskId };
      };
      return grow ? inQuotaTransaction(db, run) : db.$transaction((tx) => run(tx as Db));
    },
  };
}
