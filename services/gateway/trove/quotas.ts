// Trove's quota management, GET and PUT /mgmt/quotas/{tenant_id} (`openstack database quota
// show|update`), over QuotaService: GetQuotas lets a caller read its own project and an admin any;
// SetQuotas is for admins. Trove names the resources instances, volumes (GiB), ram (MiB) and
// backups; Hoard's backup_gb has no Trove name and keeps its own.
import type { Quota } from "../../../gen/proto/hoard/v1/quota_pb.js";
import type { QuotaResource } from "../../platform/quota.js";
import { badRequestFault } from "./faults.js";
import { wrapped } from "./json-body.js";
import type { TroveRoute } from "./router.js";

/** Trove's name of each Hoard quota resource. */
const troveNames: Readonly<Record<QuotaResource, string>> = {
  instances: "instances",
  volume_gb: "volumes",
  ram_mb: "ram",
  backups: "backups",
  backup_gb: "backup_gb",
};

const hoardNames = new Map(Object.entries(troveNames).map(([hoard, trove]) => [trove, hoard as QuotaResource]));

/** A quota's resource as Trove names it. */
export function troveQuotaName(quota: Quota): string {
  return troveNames[quota.name as QuotaResource] ?? quota.name;
}

/** Trove's PUT body {"quotas": {"instances": 10, "volumes": null}} as SetQuotas' limits (null: unchanged, as in Trove). */
function limitsOf(body: unknown): Partial<Record<QuotaResource, bigint>> {
  const given = wrapped(body, "quotas");
  const limits: Partial<Record<QuotaResource, bigint>> = {};
  for (const [name, value] of Object.entries(given)) {
    const resource = hoardNames.get(name);
    if (!resource) throw badRequestFault(`unknown quota resource "${name}": use ${[...hoardNames.keys()].join(", ")}`);
    if (value === null) continue;
    const n = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n)) throw badRequestFault(`quotas.${name} must be an integer (-1: unlimited)`);
    limits[resource] = BigInt(n);
  }
  return limits;
}

export const quotaRoutes: TroveRoute[] = [
  {
    method: "GET",
    path: "/mgmt/quotas/{tenant}",
    handle: async (req) => {
      const res = await req.rpc.quotas.getQuotas({ project: req.params.tenant ?? "" });
      // Trove reserves nothing ahead: a request's quota is checked in the transaction that writes it.
      const quotas = res.quotas.map((q) => ({ resource: troveQuotaName(q), in_use: Number(q.inUse), reserved: 0, limit: Number(q.limit) }));
      return { status: 200, body: { quotas } };
    },
  },
  {
    method: "PUT",
    path: "/mgmt/quotas/{tenant}",
    handle: async (req) => {
      const limits = limitsOf(req.body);
      const res = await req.rpc.quotas.setQuotas({
        project: req.params.tenant ?? "",
        instances: limits.instances,
        volumeGb: limits.volume_gb,
        ramMb: limits.ram_mb,
        backups: limits.backups,
        backupGb: limits.backup_gb,
      });
      // As Trove: the limits of the resources the body named.
      const named = new Set(Object.keys(limits));
      const quotas = Object.fromEntries(res.quotas.filter((q) => named.has(q.name)).map((q) => [troveQuotaName(q), Number(q.limit)]));
      return { status: 200, body: { quotas } };
    },
  },
];
