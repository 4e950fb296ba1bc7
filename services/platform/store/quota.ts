// Project quotas in the database: each project's limits (its own Quota rows over the defaults),
// its usage counted from the rows themselves, and the check that runs inside the transaction that
// creates or grows something.
//
// Why counting and not a usage counter: a counter is a second copy of what the instance and backup
// rows already say, and every path that ends a resource (a delete workflow, a failed backup, an
// operator's force-delete) would have to remember to give it back. Counting cannot drift. It is
// made atomic by serialising the quota-checked transactions of one project: each one first writes
// its project's row (lockProject), then counts, then inserts, then commits. On PostgreSQL the UPDATE
// holds that row's lock until commit, so a second transaction waits and then (READ COMMITTED: each
// statement sees what committed before it) counts the first one's rows. On SQLite a transaction
// whose first statement writes takes the database's write lock (other processes wait up to the
// busy timeout), and the driver adapter runs one transaction at a time within a process.
import type { Db } from "../db/index.js";
import { FailedPreconditionError } from "../errors.js";
import { checkBackupStorage, checkQuota, gib, quotaResources, type QuotaLimits, type QuotaResource } from "../quota.js";
import { openActionPayload, type ResizeFlavorPayload, type ResizeVolumePayload } from "../task-payload.js";

/**
 * Limits of a transaction that checks a quota. Such transactions of one project take turns, so
 * under a burst of creates the last one waits for all before it: more than Prisma's defaults
 * (2 s to start, 5 s in all) allow on a busy host.
 */
const quotaTransactionOptions = { maxWait: 15_000, timeout: 30_000 } as const;

/** Tries of a quota-checked transaction that found SQLite's write lock held past the busy timeout. */
const busyAttempts = 4;

/**
 * Runs `fn` (which must call Quotas.enforce first) in a transaction. On SQLite a process that
 * keeps the write lock past the busy timeout (5 s, e.g. another gateway running a burst of
 * creates) makes the lock write fail with P1008; nothing was written yet, so it is tried again.
 */
export async function inQuotaTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction((tx) => fn(tx as Db), quotaTransactionOptions);
    } catch (err) {
      if (attempt >= busyAttempts || (err as { code?: unknown }).code !== "P1008") throw err;
    }
  }
}

/** How much more of each resource a request takes (absent: none). backup_gb is checked per backup, see checkBackupStorage. */
export type QuotaRequest = Partial<Record<Exclude<QuotaResource, "backup_gb">, number>> & { newBackup?: boolean };

/** A resource's limit and usage, as GetQuotas shows them. */
export interface QuotaLine {
  name: QuotaResource;
  limit: number;
  inUse: number;
  overridden: boolean;
}

const liveStates = { in: ["PENDING", "RUNNING"] };
/** Backups that hold (or will hold) storage: all but the failed ones. */
const countedBackup = { state: { not: "FAILED" } };

/** The quota rules over a database, with the operator's default limits. */
export function createQuotas(defaults: QuotaLimits) {
  /** The project's limits: its own where set, the defaults elsewhere. */
  async function limitsOf(db: Db, projectId: string): Promise<{ limits: Record<QuotaResource, number>; own: Set<QuotaResource> }> {
    const rows = await db.quota.findMany({ where: { projectId } });
    const limits = { ...defaults };
    const own = new Set<QuotaResource>();
    for (const row of rows) {
      if (!(quotaResources as readonly string[]).includes(row.resource)) continue;
      limits[row.resource as QuotaResource] = row.hardLimit;
      own.add(row.resource as QuotaResource);
    }
    return { limits, own };
  }

  /**
   * Checks `request` against the project's limits. Call it inside the transaction that writes
   * the new rows (inQuotaTransaction), before anything else in it (see the header). `request` may be a function: it is
   * then read after the lock, so it sees the rows as the check does.
   */
  async function enforce(tx: Db, projectId: string, request: QuotaRequest | ((tx: Db) => Promise<QuotaRequest>)): Promise<void> {
    await lockProject(tx, projectId);
    const asked = typeof request === "function" ? await request(tx) : request;
    const { limits } = await limitsOf(tx, projectId);
    const usage = await usageOf(tx, projectId);
    for (const resource of ["instances", "volume_gb", "ram_mb", "backups"] as const) {
      checkQuota(resource, limits[resource], usage[resource], asked[resource] ?? 0);
    }
    if (asked.newBackup) checkBackupStorage(limits.backup_gb, usage.backupBytes);
  }

  /** Every resource's limit and usage, for GetQuotas. */
  async function report(db: Db, projectId: string): Promise<QuotaLine[]> {
    const { limits, own } = await limitsOf(db, projectId);
    const usage = await usageOf(db, projectId);
    const inUse = { ...usage, backup_gb: Number((usage.backupBytes + BigInt(gib) - 1n) / BigInt(gib)) };
    return quotaResources.map((name) => ({ name, limit: limits[name], inUse: inUse[name], overridden: own.has(name) }));
  }

  /** Sets the project's own limits (and drops those in `reset`) in one transaction. */
  async function set(db: Db, projectId: string, limits: Partial<Record<QuotaResource, number>>, reset: QuotaResource[]): Promise<void> {
    await db.$transaction(async (tx) => {
      for (const [resource, hardLimit] of Object.entries(limits)) {
        await tx.quota.upsert({
          where: { projectId_resource: { projectId, resource } },
          create: { projectId, resource, hardLimit },
          update: { hardLimit },
        });
      }
      if (reset.length > 0) await tx.quota.deleteMany({ where: { projectId, resource: { in: reset } } });
    });
  }

  return { enforce, report, set };
}

export type Quotas = ReturnType<typeof createQuotas>;

/** The write that serialises quota-checked transactions of a project (see the header). */
async function lockProject(tx: Db, projectId: string): Promise<void> {
  const locked = await tx.project.updateMany({ where: { id: projectId }, data: { quotaCheckedAt: new Date() } });
  if (locked.count === 0) throw new FailedPreconditionError(`project "${projectId}" does not exist`);
}

/**
 * What a project uses, from its rows: instances not deleted (a failed or deleting one still holds
 * its volume), their volumes and flavors' memory, and backups that did not fail. An instance with a
 * resize under way counts at the larger of its current and its target size, so two resizes cannot
 * each pass against usage that leaves the other out.
 */
async function usageOf(db: Db, projectId: string) {
  const live = { projectId, deletedAt: null };
  const [instances, resizes, backups, stored] = await Promise.all([
    db.instance.findMany({ where: live, select: { id: true, volumeSizeGb: true, flavor: { select: { ramMb: true } } } }),
    db.task.findMany({
      where: { kind: { in: ["RESIZE_FLAVOR", "RESIZE_VOLUME"] }, state: liveStates, instance: live },
      select: { instanceId: true, kind: true, payload: true },
    }),
    db.backup.count({ where: { projectId, ...countedBackup } }),
    db.backup.aggregate({ where: { projectId, ...countedBackup }, _sum: { storedBytes: true } }),
  ]);
  const targetRam = new Map<string, number>();
  const targetVolume = new Map<string, number>();
  for (const task of resizes) {
    if (task.kind === "RESIZE_FLAVOR") targetRam.set(task.instanceId, openActionPayload<ResizeFlavorPayload>(task.payload).ramMb);
    else targetVolume.set(task.instanceId, openActionPayload<ResizeVolumePayload>(task.payload).volumeSizeGb);
  }
  let volumeGb = 0;
  let ramMb = 0;
  for (const i of instances) {
    volumeGb += Math.max(i.volumeSizeGb, targetVolume.get(i.id) ?? 0);
    ramMb += Math.max(i.flavor.ramMb, targetRam.get(i.id) ?? 0);
  }
  return { instances: instances.length, volume_gb: volumeGb, ram_mb: ramMb, backups, backupBytes: stored._sum.storedBytes ?? 0n };
}
