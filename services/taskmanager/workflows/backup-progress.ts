// While the agent's Backup call runs (one long unary call), the backup workflow asks the agent every
// few seconds how far it has got (GetBackupProgress) and records the answer on the backup, so
// GetBackup shows a BUILDING backup's progress. Progress is a courtesy: an unanswered poll, a slow
// agent or a failed write is logged and skipped, and never fails or delays the backup.
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../../platform/logger.js";
import type { BackupChange } from "../store/tasks.js";
import type { AgentClient } from "./context.js";

/** Default of HOARD_BACKUP_PROGRESS_POLL_MS. */
export const defaultBackupProgressPollMs = 3000;

export interface BackupProgressPollOptions {
  agent: Pick<AgentClient, "getBackupProgress">;
  backupId: string;
  intervalMs: number;
  record: (change: BackupChange) => Promise<void>;
  logger: Logger;
}

/**
 * Starts polling; `stop()` ends it and resolves once no poll is in flight any more, so a report
 * cannot land after the caller's final write (a late "bytes so far" over the completed size).
 */
export function pollBackupProgress(options: BackupProgressPollOptions): { stop(): Promise<void> } {
  const { agent, backupId, intervalMs, record, logger } = options;
  const stopping = new AbortController();
  const signal = stopping.signal;
  let lastBytes: bigint | undefined;
  async function loop(): Promise<void> {
    while (!signal.aborted) {
      await sleep(intervalMs, undefined, { signal }).catch(() => {});
      if (signal.aborted) return;
      try {
        // An answer slower than the interval is stale by the time it comes; the next poll asks again.
        const progress = await agent.getBackupProgress({ backupId }, { signal, timeoutMs: Math.max(1000, intervalMs) });
        if (signal.aborted || !progress.running || progress.bytesDone === lastBytes) continue;
        await record({ progressBytes: progress.bytesDone, progressTotalBytes: progress.estimatedTotalBytes ?? null, progressAt: new Date() });
        lastBytes = progress.bytesDone;
      } catch (err) {
        if (!signal.aborted) logger.debug({ backupId, error: err instanceof Error ? err.message : String(err) }, "backup progress poll failed");
      }
    }
  }
  const running = loop();
  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
