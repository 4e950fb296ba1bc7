// hoard.v1.DatastoreService and hoard.v1.FlavorService: the catalogue every project may read.
import { create } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import {
  DatastoreSchema,
  DatastoreService,
  DatastoreVersionSchema,
  type Datastore,
} from "../../../gen/proto/hoard/v1/datastore_pb.js";
import { FlavorSchema, FlavorService, type Flavor } from "../../../gen/proto/hoard/v1/flavor_pb.js";
import { NotFoundError } from "../../platform/errors.js";
import type { CatalogueStore, DatastoreWithVersions, FlavorRow } from "../store/catalogue.js";

export function registerCatalogueServices(router: ConnectRouter, catalogue: CatalogueStore): void {
  router.service(DatastoreService, {
    async listDatastores() {
      return { datastores: (await catalogue.listDatastores()).map(toDatastore) };
    },
    async getDatastore(req) {
      const found = await catalogue.findDatastore(req.id);
      if (!found) throw new NotFoundError("datastore", req.id);
      return { datastore: toDatastore(found) };
    },
    async listDatastoreVersions(req) {
      const found = await catalogue.findDatastore(req.datastore);
      if (!found) throw new NotFoundError("datastore", req.datastore);
      return { versions: toDatastore(found).versions };
    },
  });

  router.service(FlavorService, {
    async listFlavors() {
      return { flavors: (await catalogue.listFlavors()).map(toFlavor) };
    },
    async getFlavor(req) {
      const found = await catalogue.findFlavor(req.id);
      if (!found) throw new NotFoundError("flavor", req.id);
      return { flavor: toFlavor(found) };
    },
  });
}

function toDatastore(row: DatastoreWithVersions): Datastore {
  return create(DatastoreSchema, {
    id: row.id,
    name: row.name,
    defaultVersion: row.versions.find((v) => v.id === row.defaultVersionId)?.name ?? "",
    versions: row.versions.map((v) =>
      create(DatastoreVersionSchema, { id: v.id, name: v.name, datastore: row.name, manager: v.manager, active: v.active }),
    ),
  });
}

function toFlavor(row: FlavorRow): Flavor {
  return create(FlavorSchema, { id: row.id, name: row.name, vcpus: row.vcpus, ramMb: row.ramMb });
}
