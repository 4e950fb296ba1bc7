// Trove's configuration group routes over ConfigurationService: list, create, show, merge (PATCH),
// replace (PUT), delete, and the instances a group is attached to.
import type { JsonObject as ProtoJsonObject } from "@bufbuild/protobuf";
import type { Configuration } from "../../../gen/proto/hoard/v1/configuration_pb.js";
import { datastoreVersionIds } from "./catalogue.js";
import { badRequestFault } from "./faults.js";
import { optObject, optString, reqString, wrapped, type JsonObject } from "./json-body.js";
import type { Links } from "./links.js";
import { listBody, paginate } from "./pagination.js";
import type { TroveRequest, TroveRoute } from "./router.js";
import { troveTime } from "./time.js";

/** Trove's list view of a group (no values, no instance count). */
function configurationListView(c: Configuration, links: Links, versionIds: Map<string, string>): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    created: troveTime(c.createdAt),
    updated: troveTime(c.updatedAt),
    datastore_name: c.datastore,
    datastore_version_name: c.datastoreVersion,
    datastore_version_number: c.datastoreVersion,
    datastore_version_id: versionIds.get(`${c.datastore}/${c.datastoreVersion}`) ?? null,
    links: links.resource("configurations", c.id),
  };
}

/** Trove's detail view: the list view plus values and instance_count. */
async function configurationView(c: Configuration | undefined, req: TroveRequest): Promise<Record<string, unknown>> {
  if (!c) return {};
  return { ...configurationListView(c, req.links, await datastoreVersionIds(req.rpc)), values: c.values ?? {}, instance_count: c.instanceCount };
}

function values(body: JsonObject, required: boolean): ProtoJsonObject | undefined {
  const v = optObject(body, "values", "configuration");
  if (required && v === undefined) throw badRequestFault("configuration.values is required");
  return v as ProtoJsonObject | undefined;
}

async function instances(req: TroveRequest) {
  const id = req.params.id ?? "";
  const res = await req.rpc.configurations.listConfigurationInstances({ id });
  const page = paginate(res.instances, (i) => i.id, req.query, req.links.url(`/configurations/${encodeURIComponent(id)}/instances`));
  return { status: 200, body: listBody("instances", { page: page.page.map((i) => ({ id: i.id, name: i.name })), links: page.links }) };
}

export const configurationRoutes: TroveRoute[] = [
  {
    method: "GET",
    path: "/configurations",
    handle: async (req) => {
      const { configurations } = await req.rpc.configurations.listConfigurations({});
      const page = paginate(configurations, (c) => c.id, req.query, req.links.url("/configurations"));
      const ids = await datastoreVersionIds(req.rpc);
      return { status: 200, body: listBody("configurations", { page: page.page.map((c) => configurationListView(c, req.links, ids)), links: page.links }) };
    },
  },
  {
    method: "POST",
    path: "/configurations",
    handle: async (req) => {
      const b = wrapped(req.body, "configuration");
      const ds = optObject(b, "datastore", "configuration");
      const { configuration } = await req.rpc.configurations.createConfiguration({
        name: reqString(b, "name", "configuration"),
        description: optString(b, "description", "configuration") ?? "",
        datastore: ds ? (optString(ds, "type", "configuration.datastore") ?? "") : "",
        datastoreVersion: ds ? (optString(ds, "version", "configuration.datastore") ?? "") : "",
        values: values(b, true),
      });
      return { status: 200, body: { configuration: await configurationView(configuration, req) } };
    },
  },
  {
    method: "GET",
    path: "/configurations/{id}",
    handle: async (req) => {
      const { configuration } = await req.rpc.configurations.getConfiguration({ id: req.params.id ?? "" });
      return { status: 200, body: { configuration: await configurationView(configuration, req) } };
    },
  },
  {
    method: "PATCH",
    path: "/configurations/{id}",
    handle: async (req) => {
      await req.rpc.configurations.updateConfiguration({ id: req.params.id ?? "", values: values(wrapped(req.body, "configuration"), true) });
      return { status: 202 };
    },
  },
  {
    method: "PUT",
    path: "/configurations/{id}",
    handle: async (req) => {
      const b = wrapped(req.body, "configuration");
      const id = req.params.id ?? "";
      const name = optString(b, "name", "configuration");
      const description = optString(b, "description", "configuration");
      const replaced = await req.rpc.configurations.replaceConfiguration({ id, values: values(b, true) });
      // A rename last: the values were addressed by the old name if the client used names.
      if (name !== undefined || description !== undefined) {
        await req.rpc.configurations.updateConfiguration({ id: replaced.configuration?.id ?? id, name, description });
      }
      return { status: 202 };
    },
  },
  { method: "DELETE", path: "/configurations/{id}", handle: async (req) => (await req.rpc.configurations.deleteConfiguration({ id: req.params.id ?? "" }), { status: 202 }) },
  { method: "GET", path: "/configurations/{id}/instances", handle: instances },
];
