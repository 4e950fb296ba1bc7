// hoard.v1.DatastoreService and hoard.v1.FlavorService: the catalogue every project may read.
import type { ConnectRouter } from "@connectrpc/connect";
import { DatastoreService } from "../../../gen/proto/hoard/v1/datastore_pb.js";
import { FlavorService } from "../../../gen/proto/hoard/v1/flavor_pb.js";
import { NotFoundError } from "../../platform/errors.js";
import { toDatastore, toFlavor } from "../domain/catalogue-view.js";
import type { CatalogueStore } from "../store/catalogue.js";

export function registerCatalogueServices(router: ConnectRouter, catalogue: CatalogueStore): void {
  router.service(DatastoreService, {
    async listDatastores() {
      return { datastores: (await catalogue.listDatastores()).map((d) => toDatastore(d)) };
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
