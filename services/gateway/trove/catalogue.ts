// Trove's catalogue routes: datastores and their versions (DatastoreService), flavors
// (FlavorService) and configuration parameters (ConfigurationService).
//
// Flavor ids: Hoard's flavors already have operator-chosen ids that are small integers by default
// ("1".."4" for tiny..large; `hoard-manage flavor create --id N`), so Trove's integer "id" is that
// id, and GetFlavor also takes a name: `openstack database instance create --flavor 1` (GET
// /flavors/1) and `--flavor small` (GET /flavors/small) both resolve. A non-numeric id shows
// "id": null and the id in "str_id", as Trove does for Nova flavors.
import type { Datastore, DatastoreVersion } from "../../../gen/proto/hoard/v1/datastore_pb.js";
import type { Flavor } from "../../../gen/proto/hoard/v1/flavor_pb.js";
import type { ConfigurationParameter } from "../../../gen/proto/hoard/v1/configuration_pb.js";
import { notFoundFault } from "./faults.js";
import type { Links } from "./links.js";
import type { HoardClients } from "./rpc-clients.js";
import type { TroveRequest, TroveRoute } from "./router.js";

function versionView(v: DatastoreVersion, datastoreId: string, links: Links): Record<string, unknown> {
  // Hoard's version names are the engine's version numbers, which newer Trove sends as "version".
  return { id: v.id, name: v.name, version: v.name, datastore: datastoreId, active: v.active, links: links.resource("datastores/versions", v.id) };
}

function datastoreView(d: Datastore, links: Links): Record<string, unknown> {
  const byName = d.versions.find((v) => v.name === d.defaultVersion);
  return {
    id: d.id,
    name: d.name,
    links: links.resource("datastores", d.id),
    ...(byName ? { default_version: byName.id } : {}),
    versions: d.versions.map((v) => ({ id: v.id, name: v.name, version: v.name, links: links.resource("datastores/versions", v.id) })),
  };
}

function flavorView(f: Flavor, links: Links): Record<string, unknown> {
  const numeric = /^\d+$/.test(f.id);
  return {
    id: numeric ? Number(f.id) : null,
    str_id: f.id,
    name: f.name,
    ram: f.ramMb,
    vcpus: f.vcpus,
    // Hoard flavors size no disk: the volume is asked for per instance.
    disk: 0,
    ephemeral: 0,
    links: links.resource("flavors", f.id),
  };
}

/** A version of a datastore by id or name. */
async function findVersion(rpc: HoardClients, datastore: string, version: string): Promise<{ datastore: Datastore; version: DatastoreVersion }> {
  const { datastore: d } = await rpc.datastores.getDatastore({ id: datastore });
  const v = d?.versions.find((x) => x.id === version || x.name === version);
  if (!d || !v) throw notFoundFault(`datastore version "${version}" of "${datastore}" not found`);
  return { datastore: d, version: v };
}

/** A version by id alone (Trove's /datastores/versions/{id}). */
async function findVersionById(rpc: HoardClients, id: string): Promise<{ datastore: Datastore; version: DatastoreVersion }> {
  const { datastores } = await rpc.datastores.listDatastores({});
  for (const d of datastores) {
    const v = d.versions.find((x) => x.id === id);
    if (v) return { datastore: d, version: v };
  }
  throw notFoundFault(`datastore version "${id}" not found`);
}

/** Datastore version ids by "datastore/version" name, for views that name versions (backups). */
export async function datastoreVersionIds(rpc: HoardClients): Promise<Map<string, string>> {
  const { datastores } = await rpc.datastores.listDatastores({});
  return new Map(datastores.flatMap((d) => d.versions.map((v) => [`${d.name}/${v.name}`, v.id] as const)));
}

function parameterView(p: ConfigurationParameter, versionId: string): Record<string, unknown> {
  return {
    name: p.name,
    datastore_version_id: versionId,
    restart_required: p.restartRequired,
    type: p.type,
    ...(p.min !== undefined ? { min: p.min } : {}),
    ...(p.max !== undefined ? { max: p.max } : {}),
  };
}

async function parameters(req: TroveRequest, found: { datastore: Datastore; version: DatastoreVersion }) {
  const res = await req.rpc.configurations.listConfigurationParameters({ datastore: found.datastore.name, version: found.version.name });
  const views = res.parameters.map((p) => parameterView(p, found.version.id));
  const name = req.params.name;
  if (name === undefined) return { status: 200, body: { "configuration-parameters": views } };
  const one = views.find((p) => p.name === name);
  if (!one) throw notFoundFault(`configuration parameter "${name}" not found`);
  return { status: 200, body: one };
}

async function flavors(req: TroveRequest) {
  const { flavors } = await req.rpc.flavors.listFlavors({});
  return { status: 200, body: { flavors: flavors.map((f) => flavorView(f, req.links)) } };
}

const p = (req: TroveRequest, key: string) => req.params[key] ?? "";

export const catalogueRoutes: TroveRoute[] = [
  {
    method: "GET",
    path: "/datastores",
    handle: async (req) => ({ status: 200, body: { datastores: (await req.rpc.datastores.listDatastores({})).datastores.map((d) => datastoreView(d, req.links)) } }),
  },
  // Before /datastores/{ds}/...: "versions" is a literal here.
  {
    method: "GET",
    path: "/datastores/versions/{vid}",
    handle: async (req) => {
      const found = await findVersionById(req.rpc, p(req, "vid"));
      return { status: 200, body: { version: versionView(found.version, found.datastore.id, req.links) } };
    },
  },
  { method: "GET", path: "/datastores/versions/{vid}/parameters", handle: async (req) => parameters(req, await findVersionById(req.rpc, p(req, "vid"))) },
  { method: "GET", path: "/datastores/versions/{vid}/parameters/{name}", handle: async (req) => parameters(req, await findVersionById(req.rpc, p(req, "vid"))) },
  {
    method: "GET",
    path: "/datastores/{ds}",
    handle: async (req) => {
      const { datastore } = await req.rpc.datastores.getDatastore({ id: p(req, "ds") });
      return { status: 200, body: { datastore: datastore ? datastoreView(datastore, req.links) : {} } };
    },
  },
  {
    method: "GET",
    path: "/datastores/{ds}/versions",
    handle: async (req) => {
      const { datastore } = await req.rpc.datastores.getDatastore({ id: p(req, "ds") });
      return { status: 200, body: { versions: (datastore?.versions ?? []).map((v) => versionView(v, datastore?.id ?? "", req.links)) } };
    },
  },
  {
    method: "GET",
    path: "/datastores/{ds}/versions/{ver}",
    handle: async (req) => {
      const found = await findVersion(req.rpc, p(req, "ds"), p(req, "ver"));
      return { status: 200, body: { version: versionView(found.version, found.datastore.id, req.links) } };
    },
  },
  { method: "GET", path: "/datastores/{ds}/versions/{ver}/parameters", handle: async (req) => parameters(req, await findVersion(req.rpc, p(req, "ds"), p(req, "ver"))) },
  { method: "GET", path: "/datastores/{ds}/versions/{ver}/parameters/{name}", handle: async (req) => parameters(req, await findVersion(req.rpc, p(req, "ds"), p(req, "ver"))) },
  // Hoard's flavors fit every datastore version.
  { method: "GET", path: "/datastores/{ds}/versions/{ver}/flavors", handle: async (req) => (await findVersion(req.rpc, p(req, "ds"), p(req, "ver")), flavors(req)) },
  { method: "GET", path: "/flavors", handle: flavors },
  {
    method: "GET",
    path: "/flavors/{id}",
    handle: async (req) => {
      const { flavor } = await req.rpc.flavors.getFlavor({ id: p(req, "id") });
      return { status: 200, body: { flavor: flavor ? flavorView(flavor, req.links) : {} } };
    },
  },
];
