// Trove's backup routes over BackupService: list (also per instance), create, show, delete.
import { Code } from "@connectrpc/connect";
import type { Backup } from "../../../gen/proto/hoard/v1/backup_pb.js";
import { datastoreVersionIds } from "./catalogue.js";
import { faultForCode, TroveFault } from "./faults.js";
import { optBool, optString, refuseUnsupported, reqString, wrapped } from "./json-body.js";
import { listBody, paginate } from "./pagination.js";
import type { TroveRequest, TroveRoute } from "./router.js";
import { troveBackupStatus } from "./status.js";
import { troveTime } from "./time.js";

/** Trove's backup view; size is GiB of what is stored, as Trove reports the stored object's size. */
function backupView(b: Backup, req: Pick<TroveRequest, "links" | "projectId">, versionIds: Map<string, string>): Record<string, unknown> {
  const links = req.links;
  return {
    id: b.id,
    name: b.name,
    description: b.description,
    // Hoard's storage has no URL to give (Trove's is a Swift object).
    locationRef: null,
    instance_id: b.instanceId,
    created: troveTime(b.createdAt),
    updated: troveTime(b.completedAt ?? b.createdAt),
    size: Math.round((Number(b.storedBytes) / 1024 ** 3) * 1e6) / 1e6,
    status: troveBackupStatus(b.state),
    parent_id: b.parentId || null,
    // troveclient reads version_id; an inactive version is not listed, so it may be unknown.
    datastore: { type: b.datastore, version: b.datastoreVersion, version_id: versionIds.get(`${b.datastore}/${b.datastoreVersion}`) ?? null },
    // A backup is always of the caller's project: the RPCs refuse a path naming another.
    project_id: req.projectId,
    links: links.resource("backups", b.id),
  };
}

async function list(req: TroveRequest, instance: string, pagePath: string) {
  if (req.query.get("all_projects") !== null || req.query.get("project_id") !== null) {
    throw new TroveFault(faultForCode(Code.PermissionDenied), "backups are listed for the token's own project only");
  }
  const datastore = req.query.get("datastore");
  const { backups } = await req.rpc.backups.listBackups({ instance });
  const shown = datastore ? backups.filter((b) => b.datastore === datastore) : backups;
  const ids = await datastoreVersionIds(req.rpc);
  const page = paginate(shown, (b) => b.id, req.query, req.links.url(pagePath));
  return { status: 200, body: listBody("backups", { page: page.page.map((b) => backupView(b, req, ids)), links: page.links }) };
}

export const backupRoutes: TroveRoute[] = [
  { method: "GET", path: "/backups", handle: (req) => list(req, req.query.get("instance_id") ?? "", "/backups") },
  {
    method: "GET",
    path: "/instances/{id}/backups",
    handle: (req) => list(req, req.params.id ?? "", `/instances/${encodeURIComponent(req.params.id ?? "")}/backups`),
  },
  {
    method: "POST",
    path: "/backups",
    handle: async (req) => {
      const b = wrapped(req.body, "backup");
      refuseUnsupported(b, ["restore_from", "swift_container", "storage_driver"], "backup", "Hoard stores backups in its own storage");
      // As in Trove: parent_id makes an increment on that backup; incremental alone builds on the
      // instance's newest completed one. Engines without increments (Redis) are refused by the RPC.
      const parent = optString(b, "parent_id", "backup") ?? "";
      const { backup } = await req.rpc.backups.createBackup({
        name: reqString(b, "name", "backup"),
        instance: reqString(b, "instance", "backup"),
        description: optString(b, "description", "backup") ?? "",
        incremental: parent !== "" || (optBool(b, "incremental", "backup") ?? false),
        parent,
      });
      return { status: 202, body: { backup: backup ? backupView(backup, req, await datastoreVersionIds(req.rpc)) : {} } };
    },
  },
  {
    method: "GET",
    path: "/backups/{id}",
    handle: async (req) => {
      const { backup } = await req.rpc.backups.getBackup({ id: req.params.id ?? "" });
      return { status: 200, body: { backup: backup ? backupView(backup, req, await datastoreVersionIds(req.rpc)) : {} } };
    },
  },
  // Trove's delete also removes the incremental backups built on it.
  { method: "DELETE", path: "/backups/{id}", handle: async (req) => (await req.rpc.backups.deleteBackup({ id: req.params.id ?? "", cascade: true }), { status: 202 }) },
];
