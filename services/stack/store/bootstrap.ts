// First-start writes: the default catalogue and the admin project with its token.
import { isUniqueViolation, type Db } from "../../platform/db/index.js";

/** Two gateways starting together may both seed: the loser finds the row there, which is fine. */
async function unlessRaced(write: () => Promise<boolean>): Promise<boolean> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

export interface DefaultVersion {
  datastore: string;
  version: string;
  manager: string;
  binDir: string;
}

export interface DefaultFlavor {
  id: string;
  name: string;
  vcpus: number;
  ramMb: number;
}

export function createBootstrapStore(db: Db) {
  return {
    /** Adds the datastore and version when missing; never changes what an operator set. */
    ensureVersion: (v: DefaultVersion) => unlessRaced(async () => {
      const existing = await db.datastore.findUnique({ where: { name: v.datastore }, include: { versions: true } });
      if (existing?.versions.some((x) => x.name === v.version)) return false;
      const datastore = existing ?? (await db.datastore.create({ data: { name: v.datastore } }));
      const version = await db.datastoreVersion.create({
        data: { datastoreId: datastore.id, name: v.version, manager: v.manager, binDir: v.binDir },
      });
      if (!datastore.defaultVersionId) {
        await db.datastore.update({ where: { id: datastore.id }, data: { defaultVersionId: version.id } });
      }
      return true;
    }),

    /** Gives a version the bundled parameter catalogue when it has none; an operator's own is kept. */
    async ensureParameterCatalogue(datastore: string, version: string, catalogueJson: string): Promise<boolean> {
      const updated = await db.datastoreVersion.updateMany({
        where: { name: version, datastore: { name: datastore }, parameterCatalogue: null },
        data: { parameterCatalogue: catalogueJson },
      });
      return updated.count > 0;
    },

    /** Adds the default flavors only when there are none at all (an operator may have removed them). */
    ensureFlavors: (flavors: DefaultFlavor[]) => unlessRaced(async () => {
      if ((await db.flavor.count()) > 0) return false;
      await db.flavor.createMany({ data: flavors });
      return true;
    }),

    async ensureProject(name: string): Promise<string> {
      const project = await db.project.upsert({ where: { name }, update: {}, create: { name } });
      return project.id;
    },

    async tokenExists(tokenHash: string): Promise<boolean> {
      const token = await db.apiToken.findUnique({ where: { tokenHash } });
      return Boolean(token && !token.revokedAt);
    },

    async addToken(projectId: string, name: string, tokenHash: string, roles: string[]): Promise<void> {
      await db.apiToken.create({ data: { projectId, name, tokenHash, roles: roles.join(",") } });
    },
  };
}
