// Maps catalogue rows to their protobuf shapes, for the public catalogue and for operators
// (who also see inactive versions and where the binaries are).
import { create } from "@bufbuild/protobuf";
import { DatastoreSchema, DatastoreVersionSchema, type Datastore, type DatastoreVersion } from "../../../gen/proto/hoard/v1/datastore_pb.js";
import { FlavorSchema, type Flavor } from "../../../gen/proto/hoard/v1/flavor_pb.js";
import type { DatastoreWithVersions, FlavorRow, VersionRow } from "../store/catalogue.js";

export function toVersion(datastore: string, v: VersionRow, operator = false): DatastoreVersion {
  return create(DatastoreVersionSchema, {
    id: v.id,
    name: v.name,
    datastore,
    manager: v.manager,
    active: v.active,
    binDir: operator ? v.binDir : "",
  });
}

export function toDatastore(row: DatastoreWithVersions, operator = false): Datastore {
  return create(DatastoreSchema, {
    id: row.id,
    name: row.name,
    active: row.active,
    defaultVersion: row.versions.find((v) => v.id === row.defaultVersionId)?.name ?? "",
    versions: row.versions.map((v) => toVersion(row.name, v, operator)),
  });
}

export function toFlavor(row: FlavorRow): Flavor {
  return create(FlavorSchema, { id: row.id, name: row.name, vcpus: row.vcpus, ramMb: row.ramMb });
}
