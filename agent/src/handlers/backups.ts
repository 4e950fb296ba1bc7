// Backup and Restore: the engine's backup stream goes through compression and encryption into
// backup storage from here, on the instance, so backup data never crosses the control plane; the
// control plane only learns what was stored (keys, sizes, checksums) and keeps the data key wrapped.
import type { ServiceImpl } from "@connectrpc/connect";
import type { NatsConnection } from "@nats-io/transport-node";
import type { BackupObject, BackupStorage as StorageMessage, GuestAgentService } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { readBackupObject, writeBackupObject } from "../../../services/platform/backup/index.js";
import { openBackupStorage } from "../../../services/platform/backup-settings.js";
import { FailedPreconditionError, InvalidArgumentError } from "../../../services/platform/errors.js";
import type { BackupProgressRegistry } from "../backup-progress.js";
import type { OpenBackupObject } from "../datastores/manager.js";
import type { Lifecycle } from "../lifecycle.js";
import { toServerSettings } from "./prepare-spec.js";
import { adoptWalArchive, archivedWalOf, flushArchive, recoverySpecOf, type AgentWal } from "./wal.js";

/**
 * The server archives a switched WAL file within moments; a shipper that cannot store it for this
 * long fails the incremental backup (naming its error) instead of holding it for the call's hours.
 */
const FLUSH_TIMEOUT_MS = 120_000;

type BackupHandlers = Pick<ServiceImpl<typeof GuestAgentService>, "backup" | "restore">;

export function backupHandlers(lifecycle: Lifecycle, nc: NatsConnection | undefined, wal: AgentWal | undefined, progress: BackupProgressRegistry): BackupHandlers {
  return {
    async backup(req, ctx) {
      if (!/^[A-Za-z0-9-]{1,64}$/.test(req.backupId)) throw new InvalidArgumentError("backup_id", "must be a backup id");
      const dataKey = checkedKey(req.dataKey);
      const storage = await openBackupStorage(storageRef(req.storage), nc);
      // Engines with a WAL archive take increments from it: everything up to now goes in first.
      const archived = req.incremental && wal?.shipper ? await archivedWalOf(await flushWithin(FLUSH_TIMEOUT_MS, ctx.signal, (signal) => flushArchive(lifecycle, wal, nc, signal))) : undefined;
      return progress.track(req.backupId, (entry) => lifecycle.backup(async (backups) => {
        if (req.incremental && backups.incremental !== true) throw new FailedPreconditionError("this engine takes full backups only, not incremental ones");
        const parent = req.incremental ? { details: req.parentDetails, ...(archived ? { wal: archived } : {}) } : undefined;
        const stream = await backups.backup(ctx.signal, parent);
        void entry.estimate(req.incremental ? undefined : backups.estimateFullBytes?.bind(backups, ctx.signal)); // nothing predicts an increment's size
        const key = `${req.backupId}/${req.incremental ? "incremental" : "full"}`;
        const [object, facts] = await Promise.all([writeBackupObject({ source: stream.data, storage, key, dataKey, signal: ctx.signal, onPlainBytes: entry.advance }), stream.done]);
        return {
          objects: [{ key: object.key, sha256: object.sha256, plainBytes: BigInt(object.plainBytes), storedBytes: BigInt(object.storedBytes) }],
          format: facts.format,
          engineVersion: facts.engineVersion,
          details: facts.details,
        };
      }, ctx.signal));
    },

    async restore(req, ctx) {
      // One object per backup of the chain, full first; each is read (its checksum verified as it streams) when its turn comes.
      const [first, ...rest] = req.objects;
      if (!first) throw new InvalidArgumentError("objects", "must hold the full backup's object");
      if (req.dataKeys.length > 0 && req.dataKeys.length !== req.objects.length) throw new InvalidArgumentError("data_keys", "must hold one key per object");
      const keyOf = (i: number) => checkedKey(req.dataKeys[i] ?? req.dataKey);
      const storage = await openBackupStorage(storageRef(req.storage), nc);
      const opener =
        (object: BackupObject, dataKey: Buffer): OpenBackupObject =>
        (signal) =>
          readBackupObject({ storage, key: object.key, expectedSha256: object.sha256, dataKey, signal });
      const increments = rest.map((object, i) => opener(object, keyOf(i + 1)));
      const settings = toServerSettings(req);
      const recovery = req.recoveryTarget ? await recoverySpecOf(req.recoveryTarget, nc) : undefined;
      await adoptWalArchive(wal, lifecycle, req.walArchive);
      await lifecycle.restore(opener(first, keyOf(0)), { ...settings, adminPassword: req.adminPassword, ...(recovery ? { recovery } : {}) }, ctx.signal, increments);
      return {};
    },
  };
}

function checkedKey(key: Uint8Array): Buffer {
  if (key.length !== 32) throw new InvalidArgumentError("data_key", "must be 32 bytes");
  return Buffer.from(key);
}

function storageRef(storage: StorageMessage | undefined): { kind: string; location: string } {
  if (!storage?.kind || !storage.location) throw new InvalidArgumentError("storage", "must name a kind and a location");
  return { kind: storage.kind, location: storage.location };
}


/**
 * Runs `flush` with a signal that fires at `ms` or with `outer`. A timer and a controller, not
 * AbortSignal.timeout: inside AbortSignal.any, Node 20 may garbage-collect a timeout signal before
 * it fires (nodejs/node#57736), and the flush would wait for the call's whole deadline.
 */
async function flushWithin<T>(ms: number, outer: AbortSignal, flush: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error(`the WAL flush took longer than ${ms / 1000} s`)), ms);
  try {
    return await flush(AbortSignal.any([outer, timeout.signal]));
  } finally {
    clearTimeout(timer);
  }
}
