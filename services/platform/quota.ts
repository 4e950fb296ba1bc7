// Quotas: what a project may use of each resource, and the one rule that refuses a request going
// over a limit. Limits come from the operator's defaults (HOARD_QUOTA_*) unless an admin gave the
// project its own (store/quota.ts); usage is counted from the rows themselves.
import { ConfigError, parseInteger } from "./config.js";
import { QuotaExceededError } from "./errors.js";

/** The limited resources, in the order every listing shows them. */
export const quotaResources = ["instances", "volume_gb", "ram_mb", "backups", "backup_gb"] as const;

export type QuotaResource = (typeof quotaResources)[number];

/** A limit per resource; -1 means unlimited (as in Trove). */
export type QuotaLimits = Readonly<Record<QuotaResource, number>>;

export const unlimited = -1;

/** One GiB: volume_gb and backup_gb are in these. */
export const gib = 1024 ** 3;

/** The defaults when HOARD_QUOTA_* is not set: room for a team's few databases, not a whole host. */
export const builtInQuotaDefaults: QuotaLimits = Object.freeze({
  instances: 10,
  volume_gb: 200,
  ram_mb: 65536,
  backups: 50,
  backup_gb: 500,
});

const envNames: Record<QuotaResource, string> = {
  instances: "HOARD_QUOTA_INSTANCES",
  volume_gb: "HOARD_QUOTA_VOLUME_GB",
  ram_mb: "HOARD_QUOTA_RAM_MB",
  backups: "HOARD_QUOTA_BACKUPS",
  backup_gb: "HOARD_QUOTA_BACKUP_GB",
};

/** The default limits from HOARD_QUOTA_INSTANCES, _VOLUME_GB, _RAM_MB, _BACKUPS, _BACKUP_GB (-1: unlimited). */
export function quotaDefaultsFromEnv(env: Record<string, string | undefined> = process.env): QuotaLimits {
  const limits = { ...builtInQuotaDefaults };
  for (const resource of quotaResources) {
    const value = env[envNames[resource]];
    if (value === undefined || value === "") continue;
    limits[resource] = parseInteger(envNames[resource], value, unlimited);
    if (limits[resource] > 2 ** 31 - 1) throw new ConfigError(`${envNames[resource]} must be at most ${2 ** 31 - 1}, got "${value}"`);
  }
  return Object.freeze(limits);
}

/**
 * Refuses `requested` more of a resource when usage plus it would pass the limit. A request for
 * nothing more (0, e.g. a resize that does not grow what this resource counts) always passes.
 */
export function checkQuota(resource: QuotaResource, limit: number, inUse: number, requested: number): void {
  if (limit === unlimited || requested <= 0) return;
  if (inUse + requested > limit) throw new QuotaExceededError(resource, limit, `${inUse} in use + ${requested} requested > limit ${limit}`);
}

/**
 * backup_gb: a backup's size is known only once it is taken, so a new backup is refused only when
 * the stored backups already fill the limit.
 */
export function checkBackupStorage(limit: number, storedBytes: bigint): void {
  if (limit === unlimited || storedBytes < BigInt(limit) * BigInt(gib)) return;
  const inUse = (Number(storedBytes) / gib).toFixed(1);
  throw new QuotaExceededError("backup_gb", limit, `${inUse} in use >= limit ${limit}; delete backups to take new ones`);
}
