// The operator's writes to the catalogue, projects and tokens. Admin-only handlers use it.
import { isUniqueViolation, type Db } from "../../platform/db/index.js";
import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from "../../platform/errors.js";

const withVersions = { versions: { orderBy: { name: "asc" as const } } };

export function createManageStore(db: Db) {
  async function datastore(idOrName: string) {
    const found = await db.datastore.findFirst({ where: { OR: [{ id: idOrName }, { name: idOrName }] }, include: withVersions });
    if (!found) throw new NotFoundError("datastore", idOrName);
    return found;
  }

  async function unique<T>(kind: string, id: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (isUniqueViolation(err)) throw new AlreadyExistsError(kind, id);
      throw err;
    }
  }

  return {
    datastore,
    listDatastores: () => db.datastore.findMany({ include: withVersions, orderBy: { name: "asc" } }),

    createDatastore: (name: string) => unique("datastore", name, () => db.datastore.create({ data: { name }, include: withVersions })),

    async updateDatastore(idOrName: string, change: { active?: boolean; defaultVersion?: string }) {
      const found = await datastore(idOrName);
      let defaultVersionId: string | undefined;
      if (change.defaultVersion) {
        const version = found.versions.find((v) => v.name === change.defaultVersion || v.id === change.defaultVersion);
        if (!version) throw new NotFoundError(`version of datastore "${found.name}"`, change.defaultVersion);
        defaultVersionId = version.id;
      }
      return db.datastore.update({
        where: { id: found.id },
        data: { ...(change.active !== undefined ? { active: change.active } : {}), ...(defaultVersionId ? { defaultVersionId } : {}) },
        include: withVersions,
      });
    },

    async createVersion(datastoreIdOrName: string, v: { name: string; manager: string; binDir: string; active: boolean; makeDefault: boolean }) {
      const found = await datastore(datastoreIdOrName);
      const version = await unique(`version of datastore "${found.name}"`, v.name, () =>
        db.datastoreVersion.create({ data: { datastoreId: found.id, name: v.name, manager: v.manager, binDir: v.binDir, active: v.active } }),
      );
      if (v.makeDefault || !found.defaultVersionId) await db.datastore.update({ where: { id: found.id }, data: { defaultVersionId: version.id } });
      return { datastore: found, version };
    },

    async updateVersion(datastoreIdOrName: string, versionIdOrName: string, change: { active?: boolean; binDir?: string }) {
      const found = await datastore(datastoreIdOrName);
      const version = found.versions.find((v) => v.name === versionIdOrName || v.id === versionIdOrName);
      if (!version) throw new NotFoundError(`version of datastore "${found.name}"`, versionIdOrName);
      const updated = await db.datastoreVersion.update({
        where: { id: version.id },
        data: { ...(change.active !== undefined ? { active: change.active } : {}), ...(change.binDir ? { binDir: change.binDir } : {}) },
      });
      return { datastore: found, version: updated };
    },

    async setParameterCatalogue(datastoreIdOrName: string, versionIdOrName: string, catalogueJson: string) {
      const found = await datastore(datastoreIdOrName);
      const version = found.versions.find((v) => v.name === versionIdOrName || v.id === versionIdOrName);
      if (!version) throw new NotFoundError(`version of datastore "${found.name}"`, versionIdOrName);
      return db.datastoreVersion.update({ where: { id: version.id }, data: { parameterCatalogue: catalogueJson } });
    },

    /**
     * Abandons whatever task holds an instance (marked FAILED, so a workflow still running notices
     * at its next lease renewal and stops) and clears its task and service status: the next
     * heartbeat says how the server really is.
     */
    async resetInstanceStatus(instanceId: string, requestId: string) {
      await db.$transaction(async (tx) => {
        const instance = await tx.instance.findFirst({ where: { id: instanceId, deletedAt: null } });
        if (!instance) throw new NotFoundError("instance", instanceId);
        await tx.task.updateMany({
          where: { instanceId, state: { in: ["PENDING", "RUNNING"] } },
          data: { state: "FAILED", faultMessage: "abandoned by an operator (reset status)", payload: "", leaseOwner: null, leaseExpiresAt: null },
        });
        await tx.backup.updateMany({
          where: { instanceId, state: { in: ["NEW", "BUILDING"] } },
          data: { state: "FAILED", faultMessage: "abandoned by an operator (reset status)" },
        });
        await tx.instance.update({
          where: { id: instanceId },
          data: { taskStatus: "NONE", serviceStatus: "UNKNOWN", serviceDetail: "status reset by an operator; waiting for the guest agent", faultMessage: null, faultDetails: null, faultAt: null },
        });
        await tx.instanceEvent.create({ data: { instanceId, kind: "RESET_STATUS", message: `status reset by an operator (was task ${instance.taskStatus}, service ${instance.serviceStatus})`, requestId } });
      });
    },

    /** Starts a DELETE whatever the instance is busy with; deletion protection still holds. */
    async forceDeleteInstance(instanceId: string, task: { requestId: string; deadlineAt: Date }) {
      return db.$transaction(async (tx) => {
        const instance = await tx.instance.findFirst({ where: { id: instanceId, deletedAt: null } });
        if (!instance) throw new NotFoundError("instance", instanceId);
        if (instance.deletionProtection) {
          throw new FailedPreconditionError(`instance "${instance.name}" has deletion protection on; its project must turn it off first`);
        }
        await tx.instance.update({ where: { id: instanceId }, data: { taskStatus: "DELETING" } });
        const created = await tx.task.create({ data: { instanceId, kind: "DELETE", payload: "", state: "PENDING", step: "", ...task } });
        return created.id;
      });
    },

    createFlavor: (f: { id?: string; name: string; vcpus: number; ramMb: number }) =>
      unique("flavor", f.id || f.name, () => db.flavor.create({ data: { ...(f.id ? { id: f.id } : {}), name: f.name, vcpus: f.vcpus, ramMb: f.ramMb } })),

    async deleteFlavor(idOrName: string) {
      const flavor = await db.flavor.findFirst({ where: { OR: [{ id: idOrName }, { name: idOrName }] } });
      if (!flavor) throw new NotFoundError("flavor", idOrName);
      const inUse = await db.instance.count({ where: { flavorId: flavor.id, deletedAt: null } });
      if (inUse > 0) throw new FailedPreconditionError(`flavor "${flavor.name}" is used by ${inUse} instance(s)`);
      // Deleted instances keep pointing at their flavor (their history stays readable), so such a flavor stays too.
      const referenced = await db.instance.count({ where: { flavorId: flavor.id } });
      if (referenced > 0) throw new FailedPreconditionError(`flavor "${flavor.name}" is referenced by the history of deleted instances`);
      await db.flavor.delete({ where: { id: flavor.id } });
    },

    createProject: (name: string) => unique("project", name, () => db.project.create({ data: { name } })),
    listProjects: () => db.project.findMany({ orderBy: { name: "asc" } }),

    async project(idOrName: string) {
      const found = await db.project.findFirst({ where: { OR: [{ id: idOrName }, { name: idOrName }] } });
      if (!found) throw new NotFoundError("project", idOrName);
      return found;
    },

    createToken: (t: { projectId: string; name: string; tokenHash: string; roles: string[]; expiresAt: Date | null }) =>
      db.apiToken.create({ data: { projectId: t.projectId, name: t.name, tokenHash: t.tokenHash, roles: t.roles.join(","), expiresAt: t.expiresAt }, include: { project: true } }),

    listTokens: (projectId?: string) =>
      db.apiToken.findMany({ where: projectId ? { projectId } : {}, include: { project: true }, orderBy: { createdAt: "asc" } }),

    async revokeToken(id: string) {
      const token = await db.apiToken.findUnique({ where: { id } });
      if (!token) throw new NotFoundError("token", id);
      return db.apiToken.update({ where: { id }, data: { revokedAt: token.revokedAt ?? new Date() }, include: { project: true } });
    },
  };
}

export type ManageStore = ReturnType<typeof createManageStore>;
