// Instances' continuous WAL archives as the create workflow hands them to agents: each instance
// of an engine that archives WAL gets a data key of its own (kept only wrapped by the backup
// master key) and the prefix wal/<instance id>/ in the backup storage recorded at create. A
// point-in-time restore reads the source instance's archive with the source's key.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { RecoveryTargetSchema, WalArchiveSchema } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { newDataKey, unwrapDataKey, wrapDataKey } from "../../platform/backup/index.js";
import { TaskFault, type WorkflowContext } from "./context.js";

type WalArchiveInit = MessageInitShape<typeof WalArchiveSchema>;
type RecoveryTargetInit = MessageInitShape<typeof RecoveryTargetSchema>;

/** How long the source's agent may take to archive its latest WAL before the restore goes on without. */
const flushTimeoutMs = 60_000;

/** Object keys of an instance's archive start with this. */
export function walPrefix(instanceId: string): string {
  return `wal/${instanceId}/`;
}

/**
 * The instance's WAL archive for its agent, making (and recording) its key on first use, so a
 * repeated step hands out the same key. Undefined for an instance without an archive.
 */
export async function ensureWalArchive(ctx: Pick<WorkflowContext, "store" | "backupMasterKey">, instanceId: string): Promise<WalArchiveInit | undefined> {
  const row = await ctx.store.walArchiveOf(instanceId);
  if (!row.walStorageKind || !row.walStorageLocation) return undefined;
  let wrapped = row.walWrappedKey;
  if (!wrapped) {
    wrapped = wrapDataKey(ctx.backupMasterKey, newDataKey());
    await ctx.store.updateInstance(instanceId, { walWrappedKey: wrapped });
  }
  return {
    storage: { kind: row.walStorageKind, location: row.walStorageLocation },
    prefix: walPrefix(instanceId),
    dataKey: unwrapDataKey(ctx.backupMasterKey, wrapped),
  };
}

/**
 * What the new instance replays: the source instance's archive up to `time`. A source that still
 * runs is first asked to archive everything it wrote (FlushWal), so a moment up to now is
 * reachable; a source that is gone (deleted, or its agent not answering) is skipped, and the
 * restore reaches as far as its archive already does.
 */
export async function pointInTimeTarget(ctx: WorkflowContext, sourceInstanceId: string, time: Date): Promise<RecoveryTargetInit> {
  const source = await ctx.store.walArchiveOf(sourceInstanceId);
  if (!source.walStorageKind || !source.walStorageLocation || !source.walWrappedKey) {
    throw new TaskFault("the backup's instance has no WAL archive; it can only be restored as the backup is", "step prepare");
  }
  if (!source.deletedAt && source.computeStatus === "RUNNING") {
    try {
      const flushed = await ctx.agentFor(sourceInstanceId, ctx.task.requestId).flushWal({}, { signal: ctx.signal, timeoutMs: flushTimeoutMs });
      ctx.logger.info({ sourceInstanceId, lastSegment: flushed.lastSegment }, "source instance archived its latest wal");
    } catch (err) {
      ctx.signal.throwIfAborted();
      ctx.logger.warn({ err, sourceInstanceId }, "source instance did not archive its latest wal; restoring from what its archive holds");
    }
  }
  return {
    sourceWal: {
      storage: { kind: source.walStorageKind, location: source.walStorageLocation },
      prefix: walPrefix(sourceInstanceId),
      dataKey: unwrapDataKey(ctx.backupMasterKey, source.walWrappedKey),
    },
    target: { case: "time", value: timestampFromDate(time) },
  };
}
