// Restores a base backup (backup.ts's tar) into a new instance: extracted as the server's account
// into a staging directory, checked against its own manifest (pg_verifybackup: every file, and the
// WAL from start to end point), stripped of the source instance's runtime and agent-owned files,
// then given this instance's hoard.conf, pg_hba.conf and pg_ident.conf. The first start replays
// the WAL from backup_label's checkpoint to the backup's end point; then the superuser gets this
// instance's admin password. Databases, roles and their passwords are the source's. A
// point-in-time restore replays the source's archived WAL on top first, a restore of an
// incremental chain its increments' WAL (recovery.ts).
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { exists } from "../common/host-fs.js";
import { writeOwnedFile } from "../common/owned-file.js";
import { buildDataDir } from "../common/restore-target.js";
import { feedTool } from "../common/tool-stream.js";
import { DatastoreBackupStreamError, DatastoreEngineError, DatastorePreconditionError } from "../errors.js";
import type { OpenBackupObject, RestoreSpec } from "../manager.js";
import { setAdminPassword, withAdminSession } from "./admin.js";
import { writeAgentState } from "./agent-state.js";
import { ensureServerDirs, startServer, stopServer } from "./app.js";
import { writeConfigFiles } from "./config-files.js";
import type { InstanceContext } from "./context.js";
import { runCommand } from "./exec.js";
import { clearStagedWal, replayAndPromote, stageWal } from "./recovery.js";
import { dataDirState, flushCopy } from "./template.js";

/**
 * Files of the source instance a restore removes: pg_basebackup's manifest (checked, then of no
 * further use), what a running postmaster leaves, and what the agent writes for each instance
 * (its config files and state, rewritten for this one; the prepared marker, written last).
 */
const SOURCE_FILES = [
  "backup_manifest",
  "postmaster.pid",
  "postmaster.opts",
  "current_logfiles",
  "hoard.conf",
  "pg_hba.conf",
  "pg_ident.conf",
  "hoard-state.json",
  "hoard-prepared.json",
];

/** Refuses a prepared instance; clears what an interrupted prepare or restore left. */
export async function clearForRestore(ctx: InstanceContext, stopTimeoutSeconds: number, signal: AbortSignal): Promise<void> {
  const { paths } = ctx;
  if (await exists(paths.preparedMarker)) throw new DatastorePreconditionError("instance is prepared already: a backup restores into a new instance only");
  const state = await dataDirState(paths.dataDir);
  if (state === "foreign") throw new DatastorePreconditionError(`${paths.dataDir} holds files but no PostgreSQL data directory; refusing to overwrite it`);
  if (state === "initialised") {
    ctx.logger.warn("postgresql data directory left by an interrupted prepare or restore; starting over");
    await stopServer(ctx, stopTimeoutSeconds, signal);
    await rm(paths.dataDir, { recursive: true, force: true });
  }
}

/** Everything of a restore after the checks (checkRestoreSpec, clearForRestore); the caller undoes it on failure (restoreOrUndo). */
export async function restoreServer(
  ctx: InstanceContext,
  data: Readable,
  spec: RestoreSpec,
  startTimeoutSeconds: number,
  signal: AbortSignal,
  increments: readonly OpenBackupObject[] = [],
): Promise<void> {
  const began = performance.now();
  await buildDataDir(ctx.paths.dataDir, ctx.switchTo, signal, (staging) => extractBackup(ctx, data, staging, signal));
  const extractedMs = performance.now() - began;
  await ensureServerDirs(ctx);
  const { ramMb, vcpus, parameters, allowedCidrs } = spec;
  const settings = { ramMb, vcpus, parameters: { ...parameters }, allowedCidrs: [...allowedCidrs] };
  await writeConfigFiles(ctx, settings, {}, false);
  await writeAgentState(ctx, { settings, logSwitches: {} }, false);
  let walFiles = 0;
  try {
    const replay = await stageWal(ctx, spec.recovery, increments, signal);
    walFiles = replay?.files ?? 0;
    await flushCopy(ctx, signal);
    if (replay) await replayAndPromote(ctx, replay.target, signal);
    else await startServer(ctx, startTimeoutSeconds, signal);
  } finally {
    await clearStagedWal(ctx);
  }
  await withAdminSession(ctx, "postgres", signal, (client) => setAdminPassword(client, spec.adminPassword));
  await writeOwnedFile(ctx.paths.preparedMarker, `${JSON.stringify({ preparedAt: new Date().toISOString(), restored: true })}\n`, ctx.switchTo);
  ctx.logger.info({ extractedMs: Math.round(extractedMs), totalMs: Math.round(performance.now() - began), walFiles }, "postgresql restored from a backup");
}

/** Extracts the tar into `staging`, verifies it against its manifest, and removes the source's own files. */
async function extractBackup(ctx: InstanceContext, data: Readable, staging: string, signal: AbortSignal): Promise<void> {
  const tar = ["--extract", "--file=-", `--directory=${staging}`, "--no-same-owner"];
  await feedTool("tar", tar, data, { account: ctx.switchTo, signal, label: "tar (extracting the backup)" });
  if (!(await exists(join(staging, "backup_manifest"))) || !(await exists(join(staging, "PG_VERSION")))) {
    throw new DatastoreBackupStreamError("the backup stream holds no complete PostgreSQL base backup (no backup_manifest or PG_VERSION)");
  }
  try {
    await runCommand(ctx.paths.bin("pg_verifybackup"), ["--quiet", staging], { account: ctx.switchTo, signal, label: "pg_verifybackup" });
  } catch (err) {
    signal.throwIfAborted();
    if (!(err instanceof DatastoreEngineError)) throw err;
    throw new DatastoreBackupStreamError(`the backup does not verify: ${err.detail.split("\n")[0] ?? err.message}`, err.detail, { cause: err });
  }
  await Promise.all(SOURCE_FILES.map((name) => rm(join(staging, name), { force: true })));
}
