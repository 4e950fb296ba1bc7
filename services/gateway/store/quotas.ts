// The gateway's reads and writes of project quotas: limits and usage as GetQuotas shows them, and an
// admin's own limits for a project. The rules themselves live in platform/store/quota.ts, shared
// with the taskmanager (scheduled backups are held to the same quotas).
import type { Db } from "../../platform/db/index.js";
import type { QuotaResource } from "../../platform/quota.js";
import type { QuotaLine, Quotas } from "../../platform/store/quota.js";

export function createQuotaStore(db: Db, quotas: Quotas) {
  return {
    report: (projectId: string): Promise<QuotaLine[]> => quotas.report(db, projectId),
    set: (projectId: string, limits: Partial<Record<QuotaResource, number>>, reset: QuotaResource[]): Promise<void> =>
      quotas.set(db, projectId, limits, reset),
  };
}

export type QuotaStore = ReturnType<typeof createQuotaStore>;
