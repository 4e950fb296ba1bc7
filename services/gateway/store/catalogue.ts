// Reads of the operator's catalogue (datastores, versions, flavors), which every project sees.
import type { Db } from "../../platform/db/index.js";

export type FlavorRow = Awaited<ReturnType<Db["flavor"]["findFirstOrThrow"]>>;
export type DatastoreRow = Awaited<ReturnType<Db["datastore"]["findFirstOrThrow"]>>;
export type VersionRow = Awaited<ReturnType<Db["datastoreVersion"]["findFirstOrThrow"]>>;
export type DatastoreWithVersions = DatastoreRow & { versions: VersionRow[] };

export interface CatalogueStore {
  listFlavors(): Promise<FlavorRow[]>;
  /** A flavor by id or, failing that, by name. */
  findFlavor(idOrName: string): Promise<FlavorRow | null>;
  listDatastores(): Promise<DatastoreWithVersions[]>;
  /** An active datastore by id or name, with its active versions. */
  findDatastore(idOrName: string): Promise<DatastoreWithVersions | null>;
  /** A datastore, active or not, with every version: creates say *why* they cannot use one. */
  findDatastoreAnyState(idOrName: string): Promise<DatastoreWithVersions | null>;
}

export function createCatalogueStore(db: Db): CatalogueStore {
  const activeVersions = { versions: { where: { active: true }, orderBy: { name: "asc" as const } } };
  return {
    listFlavors: () => db.flavor.findMany({ orderBy: [{ ramMb: "asc" }, { name: "asc" }] }),
    findFlavor: (idOrName) => db.flavor.findFirst({ where: { OR: [{ id: idOrName }, { name: idOrName }] } }),
    listDatastores: () => db.datastore.findMany({ where: { active: true }, include: activeVersions, orderBy: { name: "asc" } }),
    findDatastore: (idOrName) =>
      db.datastore.findFirst({ where: { active: true, OR: [{ id: idOrName }, { name: idOrName }] }, include: activeVersions }),
    findDatastoreAnyState: (idOrName) =>
      db.datastore.findFirst({ where: { OR: [{ id: idOrName }, { name: idOrName }] }, include: { versions: true } }),
  };
}
