// The datastore version a create names (or the datastore's default), refused with a reason when
// it cannot be used: instances and configuration groups are both made for one.
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../../platform/errors.js";
import type { CatalogueStore } from "../store/catalogue.js";

export async function findUsableVersion(catalogue: CatalogueStore, datastoreName: string, versionName: string) {
  const datastore = await catalogue.findDatastoreAnyState(datastoreName);
  if (!datastore) throw new NotFoundError("datastore", datastoreName);
  if (!datastore.active) throw new FailedPreconditionError(`datastore "${datastore.name}" is not active`);
  const wanted = versionName || datastore.versions.find((v) => v.id === datastore.defaultVersionId)?.name;
  if (!wanted) throw new InvalidArgumentError("datastore_version", `datastore "${datastore.name}" has no default version; name one`);
  const version = datastore.versions.find((v) => v.name === wanted || v.id === wanted);
  if (!version) throw new NotFoundError(`version of datastore "${datastore.name}"`, wanted);
  if (!version.active) throw new FailedPreconditionError(`version "${version.name}" of datastore "${datastore.name}" is not active`);
  return { datastore, version: { ...version, datastore } };
}
