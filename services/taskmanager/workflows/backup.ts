// Take a backup: a fresh data key (kept only wrapped by the master key), the guest agent streams
// the engine's backup (an incremental one from its parent's engine details when it has a parent)
// through compression and encryption into storage and says what it stored,
// and the backup is recorded COMPLETED. A failure fails the backup, not the instance (runner.ts).
import { openActionPayload, type BackupPayload } from "../../platform/task-payload.js";
import { newDataKey, unwrapDataKey, wrapDataKey } from "../../platform/backup/index.js";
import { defaultBackupProgressPollMs, pollBackupProgress } from "./backup-progress.js";
import type { Workflow, WorkflowContext } from "./context.js";


/** Generous: a large database streams for a long time, and the task's own deadline still bounds it. */
const backupCallTimeoutMs = 6 * 60 * 60_000;

export const backupWorkflow: Workflow = async (ctx) => {
  const { task, store, signal } = ctx;
  const { backupId } = openActionPayload<BackupPayload>(task.payload);
  const backup = await store.backup(backupId);
  // The wrapped key is recorded before anything is stored, so every object ever written for this
  // backup can be read (or at least identified and deleted) with it.
  const dataKey = backup.wrappedKey ? unwrapDataKey(ctx.backupMasterKey, backup.wrappedKey) : newDataKey();
  await store.updateBackup(backupId, { state: "BUILDING", wrappedKey: wrapDataKey(ctx.backupMasterKey, dataKey) });
  const agent = ctx.agentFor(task.instance.id, task.requestId);
  // An incremental backup starts where its parent ended (the parent's engine details say where).
  const parent = backup.parentId ? await store.backup(backup.parentId) : undefined;
  const progress = pollBackupProgress({
    agent,
    backupId,
    intervalMs: ctx.backupProgressPollMs ?? defaultBackupProgressPollMs,
    record: (change) => store.updateBackup(backupId, change),
    logger: ctx.logger,
  });
  const stored = await agent.backup(
    {
      backupId,
      storage: { kind: backup.storageKind, location: backup.storageLocation },
      dataKey,
      incremental: parent !== undefined,
      parentDetails: parent ? (JSON.parse(parent.engineDetails) as Record<string, string>) : {},
    },
    { signal, timeoutMs: backupCallTimeoutMs },
  ).finally(() => progress.stop());
  const objects = stored.objects.map((o) => ({ key: o.key, sha256: o.sha256, plainBytes: Number(o.plainBytes), storedBytes: Number(o.storedBytes) }));
  const sizeBytes = stored.objects.reduce((sum, o) => sum + o.plainBytes, 0n);
  await store.updateBackup(backupId, {
    state: "COMPLETED",
    objects: JSON.stringify(objects),
    format: stored.format,
    engineVersion: stored.engineVersion,
    engineDetails: JSON.stringify(stored.details),
    sizeBytes,
    progressBytes: sizeBytes, // done: every byte the tool produced
    progressAt: new Date(),
    storedBytes: stored.objects.reduce((sum, o) => sum + o.storedBytes, 0n),
    completedAt: new Date(),
  });
  await store.updateInstance(task.instance.id, { taskStatus: "NONE" });
};

/** A failed or abandoned backup: the backup says why; the instance, which kept serving, is idle again. */
export async function failBackup(ctx: Pick<WorkflowContext, "store" | "task">, message: string, options: { releaseInstance: boolean }): Promise<void> {
  const { backupId } = openActionPayload<BackupPayload>(ctx.task.payload);
  await ctx.store.updateBackup(backupId, { state: "FAILED", faultMessage: message });
  if (options.releaseInstance) await ctx.store.updateInstance(ctx.task.instance.id, { taskStatus: "NONE" });
}
