// How far each running backup has got, for GetBackupProgress: the bytes the engine's tool has
// produced so far (counted where the backup pipeline reads them) and the engine's estimate of the
// total, taken once at the start. An entry lives exactly as long as its Backup call: the control
// plane polls while it waits, and an answer of "not running" is the truth after the call ended.
import type { ServiceImpl } from "@connectrpc/connect";
import type { GuestAgentService } from "../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { InvalidArgumentError } from "../../services/platform/errors.js";

/** What GetBackupProgress answers for one backup id. */
export interface BackupProgressSnapshot {
  running: boolean;
  bytesDone: number;
  /** Undefined when the engine gives no estimate (or has not given it yet). */
  estimatedTotalBytes: number | undefined;
}

/** One running backup, as its Backup call updates it. */
export interface BackupProgressEntry {
  /** The total bytes produced so far (a running count, not an increment). */
  advance: (bytesDone: number) => void;
  /**
   * Records the engine's estimate. A failing or absent estimate leaves the total unknown and never
   * fails the backup: progress is a courtesy, the backup is the job.
   */
  estimate(measure: (() => Promise<number | undefined>) | undefined): Promise<void>;
}

export interface BackupProgressRegistry {
  /** Runs `backup` with an entry for `backupId`; the entry goes when `backup` settles, however it settles. */
  track<T>(backupId: string, backup: (entry: BackupProgressEntry) => Promise<T>): Promise<T>;
  get(backupId: string): BackupProgressSnapshot;
  /** Ids of the backups running now (for tests and logs). */
  running(): string[];
}

export function createBackupProgressRegistry(): BackupProgressRegistry {
  const entries = new Map<string, { bytesDone: number; estimatedTotalBytes: number | undefined }>();
  return {
    async track(backupId, backup) {
      const state = { bytesDone: 0, estimatedTotalBytes: undefined as number | undefined };
      // A retried call for the same id (the taskmanager resumed) replaces the older entry; only the
      // call that owns the current entry removes it.
      entries.set(backupId, state);
      const entry: BackupProgressEntry = {
        advance(bytesDone) {
          state.bytesDone = bytesDone;
        },
        async estimate(measure) {
          if (!measure) return;
          try {
            const total = await measure();
            if (total !== undefined && Number.isFinite(total) && total >= 0) state.estimatedTotalBytes = Math.round(total);
          } catch {
            // unknown total: bytes done are still reported
          }
        },
      };
      try {
        return await backup(entry);
      } finally {
        if (entries.get(backupId) === state) entries.delete(backupId);
      }
    },
    get(backupId) {
      const state = entries.get(backupId);
      if (!state) return { running: false, bytesDone: 0, estimatedTotalBytes: undefined };
      return { running: true, bytesDone: state.bytesDone, estimatedTotalBytes: state.estimatedTotalBytes };
    },
    running: () => [...entries.keys()],
  };
}

type ProgressHandlers = Pick<ServiceImpl<typeof GuestAgentService>, "getBackupProgress">;

/** GetBackupProgress over the registry. */
export function backupProgressHandlers(registry: BackupProgressRegistry): ProgressHandlers {
  return {
    getBackupProgress(req) {
      if (!/^[A-Za-z0-9-]{1,64}$/.test(req.backupId)) throw new InvalidArgumentError("backup_id", "must be a backup id");
      const { running, bytesDone, estimatedTotalBytes } = registry.get(req.backupId);
      return {
        running,
        bytesDone: BigInt(bytesDone),
        ...(estimatedTotalBytes === undefined ? {} : { estimatedTotalBytes: BigInt(estimatedTotalBytes) }),
      };
    },
  };
}
