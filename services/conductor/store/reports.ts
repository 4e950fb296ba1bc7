// The conductor's writes: agent reports applied to instances, and silent agents marked.
import type { Db } from "../../platform/db/index.js";

export interface Report {
  instanceId: string;
  sentAt: Date;
  serviceStatus: string;
  detail: string;
  volumeUsedBytes: bigint;
  volumeTotalBytes?: bigint | undefined;
}

export function createReportStore(db: Db) {
  return {
    /**
     * Applies a report unless one sent later was applied already (Trove's LastSeen): the check and
     * the write are one statement, so two conductors racing on the same instance cannot reorder it.
     * Returns false when the report was dropped (stale, or no such live instance).
     */
    async apply(report: Report, receivedAt: Date): Promise<boolean> {
      const applied = await db.instance.updateMany({
        where: {
          id: report.instanceId,
          deletedAt: null,
          OR: [{ lastReportAt: null }, { lastReportAt: { lt: report.sentAt } }],
        },
        data: {
          serviceStatus: report.serviceStatus,
          serviceDetail: report.detail || null,
          volumeUsedBytes: report.volumeUsedBytes,
          ...(report.volumeTotalBytes !== undefined ? { volumeTotalBytes: report.volumeTotalBytes } : {}),
          lastReportAt: report.sentAt,
          heartbeatAt: receivedAt,
        },
      });
      return applied.count > 0;
    },

    /**
     * Marks instances whose agent has been silent since `silentSince` as UNKNOWN. Only idle ones
     * with running compute: during a task the workflow's own deadlines decide, and an instance
     * without compute has no agent to hear from.
     */
    async markSilent(silentSince: Date): Promise<string[]> {
      const silent = await db.instance.findMany({
        where: {
          deletedAt: null,
          taskStatus: "NONE",
          computeStatus: "RUNNING",
          serviceStatus: { not: "UNKNOWN" },
          OR: [{ heartbeatAt: { lt: silentSince } }, { heartbeatAt: null, updatedAt: { lt: silentSince } }],
        },
        select: { id: true, heartbeatAt: true },
      });
      for (const row of silent) {
        await db.instance.updateMany({
          where: { id: row.id, serviceStatus: { not: "UNKNOWN" }, heartbeatAt: row.heartbeatAt },
          data: {
            serviceStatus: "UNKNOWN",
            serviceDetail: `guest agent silent since ${row.heartbeatAt?.toISOString() ?? "it started"}`,
          },
        });
      }
      return silent.map((r) => r.id);
    },
  };
}

export type ReportStore = ReturnType<typeof createReportStore>;
