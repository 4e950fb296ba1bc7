// Trove's database routes over DatabaseService: list (paged by name), create (several at once),
// delete.
import { badRequestFault } from "./faults.js";
import { optObjects, optString, reqString } from "./json-body.js";
import { listBody, paginate } from "./pagination.js";
import type { TroveRoute } from "./router.js";

export const databaseRoutes: TroveRoute[] = [
  {
    method: "GET",
    path: "/instances/{id}/databases",
    handle: async (req) => {
      const id = req.params.id ?? "";
      const { databases } = await req.rpc.databases.listDatabases({ instanceId: id });
      const page = paginate(databases, (d) => d.name, req.query, req.links.url(`/instances/${encodeURIComponent(id)}/databases`));
      const view = page.page.map((d) => ({ name: d.name, character_set: d.characterSet, collate: d.collation }));
      return { status: 200, body: listBody("databases", { page: view, links: page.links }) };
    },
  },
  {
    method: "POST",
    path: "/instances/{id}/databases",
    handle: async (req) => {
      const list = optObjects(typeof req.body === "object" && req.body !== null ? (req.body as Record<string, unknown>) : {}, "databases", "body");
      if (!list || list.length === 0) throw badRequestFault('the body must be {"databases": [{"name": ...}, ...]}');
      // Read the whole list before creating anything, so a bad entry changes nothing.
      const defs = list.map((d, i) => ({
        name: reqString(d, "name", `databases[${i}]`),
        characterSet: optString(d, "character_set", `databases[${i}]`) ?? "",
        collation: optString(d, "collate", `databases[${i}]`) ?? "",
      }));
      for (const database of defs) await req.rpc.databases.createDatabase({ instanceId: req.params.id ?? "", database });
      return { status: 202 };
    },
  },
  {
    method: "DELETE",
    path: "/instances/{id}/databases/{name}",
    handle: async (req) => {
      await req.rpc.databases.deleteDatabase({ instanceId: req.params.id ?? "", name: req.params.name ?? "" });
      return { status: 202 };
    },
  },
];
