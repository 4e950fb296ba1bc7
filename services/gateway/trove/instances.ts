// Trove's instance routes over InstanceService (and ManageService for reset_status): list, detail,
// show, create, update (PUT and its deprecated alias PATCH), delete and the action endpoint.
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { CreateInstanceRequestSchema, Instance, UpdateInstanceRequestSchema } from "../../../gen/proto/hoard/v1/instance_pb.js";
import { badRequestFault, notImplementedFault } from "./faults.js";
import { instanceDetailView, instanceListView } from "./instance-view.js";
import {
  names,
  optBool,
  optInt,
  optObject,
  optObjects,
  optString,
  optStrings,
  refId,
  refuseUnsupported,
  reqString,
  wrapped,
  type JsonObject,
} from "./json-body.js";
import { listBody, paginate } from "./pagination.js";
import type { HoardClients } from "./rpc-clients.js";
import type { TroveRequest, TroveRoute } from "./router.js";

/** Every instance of the caller's project, oldest first (Trove pages by marker over the whole list). */
async function allInstances(rpc: HoardClients): Promise<Instance[]> {
  const all: Instance[] = [];
  let pageToken = "";
  do {
    const res = await rpc.instances.listInstances({ pageSize: 1000, pageToken });
    all.push(...res.instances);
    pageToken = res.nextPageToken;
  } while (pageToken !== "");
  return all;
}

async function list(req: TroveRequest, detail: boolean) {
  const page = paginate(await allInstances(req.rpc), (i) => i.id, req.query, req.links.url(detail ? "/instances/detail" : "/instances"));
  const view = detail ? instanceDetailView : instanceListView;
  return { status: 200, body: listBody("instances", { page: page.page.map((i) => view(i, req.links)), links: page.links }) };
}

/** Trove's create body as a CreateInstanceRequest. */
function createRequest(body: unknown): MessageInitShape<typeof CreateInstanceRequestSchema> {
  const b = wrapped(body, "instance");
  const p = "instance";
  refuseUnsupported(b, ["replica_of", "replica_count", "nics", "modules", "locality", "availability_zone", "region_name", "cluster_config"], p, "Hoard has no such feature");
  if (b.flavorRef === undefined) throw badRequestFault("instance.flavorRef is required");
  const volume = optObject(b, "volume", p);
  if (volume) refuseUnsupported(volume, ["type"], "instance.volume", "Hoard has one kind of volume");
  const datastore = optObject(b, "datastore", p);
  const access = optObject(b, "access", p);
  if (access && optBool(access, "is_public", "instance.access")) throw notImplementedFault("instance.access.is_public: Hoard does not publish instances on a public network; restrict clients with allowed_cidrs");
  const restore = optObject(b, "restorePoint", p);
  return {
    name: reqString(b, "name", p),
    flavor: refId(b.flavorRef, "instance.flavorRef"),
    volumeSizeGb: volume ? (optInt(volume, "size", "instance.volume") ?? 0) : 0,
    datastore: datastore ? (optString(datastore, "type", "instance.datastore") ?? "") : "",
    datastoreVersion: datastore ? (optString(datastore, "version", "instance.datastore") ?? "") : "",
    databases: (optObjects(b, "databases", p) ?? []).map((d, i) => ({
      name: reqString(d, "name", `instance.databases[${i}]`),
      characterSet: optString(d, "character_set", `instance.databases[${i}]`) ?? "",
      collation: optString(d, "collate", `instance.databases[${i}]`) ?? "",
    })),
    users: (optObjects(b, "users", p) ?? []).map((u, i) => ({
      name: reqString(u, "name", `instance.users[${i}]`),
      password: reqString(u, "password", `instance.users[${i}]`),
      host: optString(u, "host", `instance.users[${i}]`) ?? "",
      databases: names(optObjects(u, "databases", `instance.users[${i}]`) ?? [], `instance.users[${i}].databases`),
    })),
    configuration: optString(b, "configuration", p) ?? "",
    allowedCidrs: access ? (optStrings(access, "allowed_cidrs", "instance.access") ?? []) : [],
    backup: restore ? reqString(restore, "backupRef", "instance.restorePoint") : "",
  };
}

/**
 * Trove's update body as an UpdateInstanceRequest: an optional name and at most one of
 * configuration (an id attaches, null detaches), access (PUT only) and the replication and
 * upgrade keys Hoard has no counterpart for. An empty {"instance": {}} detaches the configuration.
 */
function updateRequest(id: string, body: unknown, withAccess: boolean): MessageInitShape<typeof UpdateInstanceRequestSchema> {
  const b: JsonObject = wrapped(body, "instance");
  const p = "instance";
  const known = new Set(["name", "configuration", "access", "replica_of", "slave_of", "datastore_version"]);
  for (const key of Object.keys(b)) if (!known.has(key) || (key === "access" && !withAccess)) throw badRequestFault(`${p}.${key} cannot be changed here`);
  const changes = ["configuration", "access", "replica_of", "slave_of", "datastore_version"].filter((k) => k in b);
  if (changes.length > 1) throw badRequestFault(`change one of ${changes.join(", ")} at a time`);
  if ("replica_of" in b || "slave_of" in b) throw notImplementedFault("Hoard has no replicas to detach");
  if ("datastore_version" in b) throw notImplementedFault("Hoard does not upgrade an instance to another datastore version");
  const req: MessageInitShape<typeof UpdateInstanceRequestSchema> & { id: string } = { id };
  const name = optString(b, "name", p);
  if (name !== undefined) req.name = name;
  if ("configuration" in b) req.configuration = b.configuration === null ? "" : refId(b.configuration, "instance.configuration");
  if (Object.keys(b).length === 0) req.configuration = "";
  const access = optObject(b, "access", p);
  if (access) {
    if (optBool(access, "is_public", "instance.access")) throw notImplementedFault("instance.access.is_public: Hoard does not publish instances on a public network");
    const cidrs = optStrings(access, "allowed_cidrs", "instance.access");
    if (cidrs !== undefined) req.allowedCidrs = { cidrs };
  }
  return req;
}

/** POST /instances/{id}/action: exactly one of restart, resize (flavorRef or volume.size), reset_status. */
async function action(req: TroveRequest) {
  const id = req.params.id ?? "";
  const body = req.body;
  const keys = typeof body === "object" && body !== null && !Array.isArray(body) ? Object.keys(body) : [];
  if (keys.length !== 1) throw badRequestFault("the body must have exactly one action: restart, resize or reset_status");
  const b = body as JsonObject;
  switch (keys[0]) {
    case "restart":
      await req.rpc.instances.restartInstance({ id });
      break;
    case "resize": {
      const resize = wrapped(b, "resize");
      const volume = optObject(resize, "volume", "resize");
      if ((resize.flavorRef === undefined) === (volume === undefined)) throw badRequestFault("resize takes either flavorRef or volume.size");
      if (volume) await req.rpc.instances.resizeInstanceVolume({ id, sizeGb: optInt(volume, "size", "resize.volume") ?? 0 });
      else await req.rpc.instances.resizeInstance({ id, flavor: refId(resize.flavorRef, "resize.flavorRef") });
      break;
    }
    case "reset_status": {
      // Resolve in the caller's project first: the operator RPC itself is not project-scoped.
      const { instance } = await req.rpc.instances.getInstance({ id });
      await req.rpc.manage.resetInstanceStatus({ id: instance?.id ?? id });
      break;
    }
    case "promote_to_replica_source":
    case "eject_replica_source":
      throw notImplementedFault(`${keys[0]}: Hoard has no replicas`);
    default:
      throw badRequestFault(`unknown action "${keys[0]}"`);
  }
  return { status: 202 };
}

/** GET /instances/{id}/configuration: the values the server runs with, as Trove renders them. */
async function instanceConfiguration(req: TroveRequest) {
  const res = await req.rpc.instances.getInstanceConfiguration({ id: req.params.id ?? "" });
  return { status: 200, body: { instance: { configuration: Object.fromEntries(res.parameters.map((p) => [p.name, p.value])) } } };
}

export const instanceRoutes: TroveRoute[] = [
  { method: "GET", path: "/instances", handle: (req) => list(req, false) },
  { method: "GET", path: "/instances/detail", handle: (req) => list(req, true) },
  {
    method: "POST",
    path: "/instances",
    handle: async (req) => {
      const { instance } = await req.rpc.instances.createInstance(createRequest(req.body));
      return { status: 200, body: { instance: instance ? instanceDetailView(instance, req.links) : {} } };
    },
  },
  {
    method: "GET",
    path: "/instances/{id}",
    handle: async (req) => {
      const { instance } = await req.rpc.instances.getInstance({ id: req.params.id ?? "" });
      return { status: 200, body: { instance: instance ? instanceDetailView(instance, req.links) : {} } };
    },
  },
  {
    method: "PUT",
    path: "/instances/{id}",
    handle: async (req) => (await req.rpc.instances.updateInstance(updateRequest(req.params.id ?? "", req.body, true)), { status: 202 }),
  },
  {
    method: "PATCH",
    path: "/instances/{id}",
    handle: async (req) => (await req.rpc.instances.updateInstance(updateRequest(req.params.id ?? "", req.body, false)), { status: 202 }),
  },
  { method: "DELETE", path: "/instances/{id}", handle: async (req) => (await req.rpc.instances.deleteInstance({ id: req.params.id ?? "" }), { status: 202 }) },
  { method: "POST", path: "/instances/{id}/action", handle: action },
  { method: "GET", path: "/instances/{id}/configuration", handle: instanceConfiguration },
];
