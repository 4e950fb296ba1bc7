// The gateway's reads and writes of configuration groups. Every query takes the caller's project.
// A change of a group's values reaches its instances through CONFIGURE tasks started in the same
// transaction, so either every attached instance is on its way to the new values or nothing changed.
import type { Db } from "../../platform/db/index.js";
import { AlreadyExistsError, FailedPreconditionError } from "../../platform/errors.js";
import { clearedFault, takesNewTask, type NewTask } from "./instances.js";

const withVersion = { datastoreVersion: { include: { datastore: true } } } as const;
const liveInstances = { where: { deletedAt: null }, select: { id: true, name: true, taskStatus: true }, orderBy: { name: "asc" as const } };

function findWithInstances(db: Db, id: string) {
  return db.configurationGroup.findUniqueOrThrow({ where: { id }, include: { ...withVersion, instances: liveInstances } });
}

export type ConfigurationRow = Awaited<ReturnType<typeof findWithInstances>>;

export interface NewConfiguration {
  projectId: string;
  name: string;
  description: string;
  datastoreVersionId: string;
  /** JSON object of validated values. */
  values: string;
}

export interface ConfigurationChange {
  name?: string;
  description?: string;
  /** JSON object of validated values; when set, attached instances get a CONFIGURE task each. */
  values?: string;
}

export function createConfigurationStore(db: Db) {
  const isTaken = (err: unknown) => (err as { code?: string }).code === "P2002";

  return {
    async create(group: NewConfiguration): Promise<ConfigurationRow> {
      try {
        const row = await db.configurationGroup.create({ data: group });
        return await findWithInstances(db, row.id);
      } catch (err) {
        if (isTaken(err)) throw new AlreadyExistsError("configuration", group.name);
        throw err;
      }
    },

    async find(projectId: string, idOrName: string): Promise<ConfigurationRow | null> {
      return db.configurationGroup.findFirst({
        where: { projectId, OR: [{ id: idOrName }, { name: idOrName }] },
        include: { ...withVersion, instances: liveInstances },
      });
    },

    list(projectId: string): Promise<ConfigurationRow[]> {
      return db.configurationGroup.findMany({ where: { projectId }, include: { ...withVersion, instances: liveInstances }, orderBy: { name: "asc" } });
    },

    /**
     * Changes a group. New values start a CONFIGURE task on every attached instance; one of them
     * busy with another task makes the whole change FAILED_PRECONDITION, naming it.
     */
    async update(id: string, change: ConfigurationChange, task: () => NewTask): Promise<{ group: ConfigurationRow; taskIds: string[] }> {
      try {
        return await db.$transaction(async (tx) => {
          await tx.configurationGroup.update({ where: { id }, data: change });
          const taskIds: string[] = [];
          if (change.values !== undefined) {
            const attached = await tx.instance.findMany({ where: { configurationId: id, deletedAt: null }, select: { id: true, name: true, taskStatus: true } });
            for (const instance of attached) {
              const moved = await tx.instance.updateMany({
                where: { id: instance.id, OR: takesNewTask() },
                data: { taskStatus: "CONFIGURING", ...clearedFault },
              });
              if (moved.count === 0) {
                throw new FailedPreconditionError(
                  `instance "${instance.name}" uses this configuration and is busy with task ${instance.taskStatus}; try again when it is done`,
                );
              }
              const created = await tx.task.create({ data: { instanceId: instance.id, ...task(), state: "PENDING", step: "" } });
              taskIds.push(created.id);
            }
          }
          return { group: await findWithInstances(tx as Db, id), taskIds };
        });
      } catch (err) {
        if (isTaken(err)) throw new AlreadyExistsError("configuration", change.name ?? "");
        throw err;
      }
    },

    /** Deletes a group no live instance uses; FAILED_PRECONDITION naming the instances otherwise. */
    async delete(id: string): Promise<void> {
      await db.$transaction(async (tx) => {
        const users = await tx.instance.findMany({ where: { configurationId: id, deletedAt: null }, select: { name: true }, orderBy: { name: "asc" } });
        if (users.length > 0) {
          throw new FailedPreconditionError(`configuration is attached to instance(s) ${users.map((u) => `"${u.name}"`).join(", ")}; detach it first`);
        }
        // Deleted instances keep their history but let go of the group.
        await tx.instance.updateMany({ where: { configurationId: id }, data: { configurationId: null } });
        await tx.configurationGroup.delete({ where: { id } });
      });
    },
  };
}

export type ConfigurationStore = ReturnType<typeof createConfigurationStore>;
