// Hoard's Instance message as Trove's instance views (T:trove/instance/views.py): the list view,
// and the detail view that show, create and /instances/detail answer with.
import type { Instance } from "../../../gen/proto/hoard/v1/instance_pb.js";
import type { Links } from "./links.js";
import { troveInstanceStatus, troveOperatingStatus } from "./status.js";
import { troveTime } from "./time.js";

/** The list view: what `openstack database instance list` reads. */
export function instanceListView(i: Instance, links: Links): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: i.id,
    name: i.name,
    status: troveInstanceStatus(i.status),
    operating_status: troveOperatingStatus(i.operatingStatus),
    links: links.resource("instances", i.id),
    flavor: { id: i.flavorId, links: links.resource("flavors", i.flavorId) },
    // Hoard's version names are version numbers ("15"), so both fields read the same.
    datastore: { type: i.datastore, version: i.datastoreVersion, version_number: i.datastoreVersion },
    // Hoard never publishes an instance on a public network; its address is private.
    access: { is_public: false },
    volume: { size: i.volume?.sizeGb ?? 0 },
  };
  if (i.host !== "") {
    view.ip = [i.host];
    view.addresses = [{ address: i.host, type: "private" }];
    // Not in Trove (whose instances always listen on the engine's port); Hoard's host mode may not.
    view.port = i.port;
  }
  return view;
}

/** The detail view: the list view plus times, volume use, configuration, fault and access rules. */
export function instanceDetailView(i: Instance, links: Links): Record<string, unknown> {
  const view = instanceListView(i, links);
  view.created = troveTime(i.createdAt);
  view.updated = troveTime(i.updatedAt);
  view.access = { is_public: false, allowed_cidrs: i.allowedCidrs };
  if (i.volume && i.volume.totalBytes > 0n) view.volume = { size: i.volume.sizeGb, used: i.volume.usedGb, used_percent: i.volume.usedPercent };
  if (i.configurationId !== "") {
    view.configuration = { id: i.configurationId, name: i.configurationName, links: links.resource("configurations", i.configurationId) };
  }
  if (i.fault && i.fault.message !== "") {
    view.fault = { message: i.fault.message, created: troveTime(i.fault.createdAt), details: i.fault.details };
  }
  return view;
}
