// Restores a backup (backup.ts's xbstream) into a new instance: extracted with mbstream as the
// server's account into a staging directory, checked for the agent's trailer (the stream's last
// entry), prepared with the backup tool (redo applied, so the files are consistent as of the end of
// the copy), each incremental backup of its chain extracted beside it and applied in order
// (--prepare --incremental-dir), and renamed into place. The instance gets its own my.cnf; the first start runs an init
// file giving root@localhost this instance's admin password; the source's allowed-networks record
// comes from the trailer, so the accounts are brought under this instance's networks as a configure
// would. Databases, users and their passwords are the source's.
import { readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { ensureOwnedDir, exists } from "../common/host-fs.js";
import { buildDataDir } from "../common/restore-target.js";
import { feedTool } from "../common/tool-stream.js";
import { DatastoreBackupStreamError, DatastoreEngineError, DatastorePreconditionError } from "../errors.js";
import type { OpenBackupObject, RestoreSpec } from "../manager.js";
import { syncAccess } from "./access-sync.js";
import { emptyState, writeAgentState, type AccessRecord, type AgentState } from "./agent-state.js";
import { backupBinaries, lsnDetails, TRAILER, type BackupTrailer } from "./backup.js";
import { removeInitFile, writeAdminCredentials, writeOptionFile } from "./config-file.js";
import type { InstanceContext } from "./context.js";
import { runCommand, TOOL_ENV } from "./exec.js";
import { resolveLogSwitches } from "./log-kinds.js";
import { writeOwnedFile } from "./owned-file.js";
import { ensureServerDirs, stopServer } from "./server.js";
import { dataDirState, flushCopy } from "./template.js";

/** Refuses a prepared instance; clears what an interrupted prepare or restore left. */
export async function clearForRestore(ctx: InstanceContext, stopTimeoutSeconds: number, signal: AbortSignal): Promise<void> {
  const { paths, flavor } = ctx;
  if (await exists(paths.preparedMarker)) throw new DatastorePreconditionError("instance is prepared already: a backup restores into a new instance only");
  const state = await dataDirState(paths.dataDir);
  if (state === "foreign") throw new DatastorePreconditionError(`${paths.dataDir} holds files but no ${flavor.displayName} data directory; refusing to overwrite it`);
  if (state === "initialised") {
    ctx.logger.warn("data directory left by an interrupted prepare or restore; starting over");
    await stopServer(ctx, stopTimeoutSeconds, signal);
    await rm(paths.dataDir, { recursive: true, force: true });
  }
}

/**
 * Builds the data directory from the full backup's stream, then each increment's (oldest first);
 * returns the allowed-networks record of the last backup applied.
 */
export async function restoreDataDir(ctx: InstanceContext, data: Readable, increments: readonly OpenBackupObject[], signal: AbortSignal): Promise<AccessRecord> {
  const { backup, backupStream } = await backupBinaries(ctx);
  const options = { account: ctx.switchTo, signal, env: TOOL_ENV };
  const extract = (stream: Readable, dir: string, what: string) =>
    feedTool(backupStream, ["-x", "-C", dir], stream, { ...options, label: `mbstream -x (extracting the ${what})` });
  let access = emptyState().access;
  await buildDataDir(ctx.paths.dataDir, ctx.switchTo, signal, async (staging) => {
    await extract(data, staging, "backup");
    access = await readTrailer(ctx, staging);
    const base = await lsnDetails(staging);
    if (base.backupType !== "full-backuped") throw new DatastoreBackupStreamError(`the backup to restore first is not a full backup (it is ${base.backupType || "unknown"})`);
    let endLsn = base.toLsn;
    // MariaDB 10.2+ prepares the base fully, then applies each increment to it in turn (no --apply-log-only).
    const prepare = (extra: string[], what: string) =>
      prepareStep(ctx, backup, [`--defaults-file=${join(staging, "backup-my.cnf")}`, "--prepare", `--target-dir=${staging}`, ...extra], what, options);
    await prepare([], "the backup");
    for (const [n, open] of increments.entries()) {
      const what = `incremental backup ${n + 1} of ${increments.length}`;
      const dir = `${staging}.increment-${n + 1}`;
      try {
        await ensureOwnedDir(dir, ctx.switchTo, 0o700);
        await extract(await open(signal), dir, what);
        access = await readTrailer(ctx, dir);
        // The tool applies an increment that does not start where the backup before it ended; a gap would be silently wrong data.
        const { backupType, fromLsn, toLsn } = await lsnDetails(dir);
        if (backupType !== "incremental") throw new DatastoreBackupStreamError(`${what} is not an incremental backup (it is ${backupType || "unknown"})`);
        if (!fromLsn || fromLsn !== endLsn) {
          throw new DatastoreBackupStreamError(`${what} starts at LSN ${fromLsn || "?"}, but the backup before it ends at LSN ${endLsn || "?"}: the chain is out of order`);
        }
        endLsn = toLsn;
        await prepare([`--incremental-dir=${dir}`], what);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    // The tool's own records and the trailer have served; the prepared marker comes last, from us.
    const leftovers = (await readdir(staging)).filter((name) => /^(xtrabackup_|backup-my\.cnf$|hoard-)/.test(name));
    await Promise.all(leftovers.map((name) => rm(join(staging, name), { force: true })));
  });
  return access;
}

/** One --prepare run; the tool's failure is the backup's (DatastoreBackupStreamError), naming `what`. */
async function prepareStep(
  ctx: InstanceContext,
  tool: string,
  args: string[],
  what: string,
  options: { account: InstanceContext["switchTo"]; signal: AbortSignal; env: typeof TOOL_ENV },
): Promise<void> {
  try {
    await runCommand(tool, args, { ...options, timeoutMs: 24 * 3600_000, label: `${ctx.flavor.tools.backup[0] ?? "backup tool"} --prepare (${what})` });
  } catch (err) {
    options.signal.throwIfAborted();
    if (!(err instanceof DatastoreEngineError)) throw err;
    throw new DatastoreBackupStreamError(`${what} could not be prepared: ${err.message}`, err.detail, { cause: err });
  }
}

/** The trailer's access record; its absence means the stream ended early. */
async function readTrailer(ctx: InstanceContext, staging: string): Promise<AccessRecord> {
  const text = await readFile(join(staging, TRAILER), "utf8").catch(() => undefined);
  if (text === undefined || !(await exists(join(staging, "xtrabackup_checkpoints")))) {
    throw new DatastoreBackupStreamError(`the backup stream holds no complete ${ctx.flavor.displayName} backup (its end marker is missing)`);
  }
  const trailer = JSON.parse(text) as Partial<BackupTrailer>;
  if (trailer.engine !== ctx.flavor.engine) {
    throw new DatastoreBackupStreamError(`the backup is of ${trailer.engine ?? "another engine"}, not ${ctx.flavor.engine}`);
  }
  return { ...emptyState().access, ...trailer.access };
}

/**
 * After restoreDataDir: this instance's my.cnf and agent record (the source's networks record, no
 * log switches), its admin credentials, the first start with the init file, the accounts brought
 * under `spec.allowedCidrs`, and the prepared marker. `start(initFile)` is the manager's start.
 */
export async function finishRestore(
  ctx: InstanceContext,
  access: AccessRecord,
  spec: RestoreSpec,
  start: (initFile: boolean) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  const { paths, flavor } = ctx;
  await ensureServerDirs(ctx);
  const record: AgentState = { access, logs: {} };
  await writeOptionFile(ctx, { ...spec, logs: resolveLogSwitches(record, spec.parameters) }, false);
  await writeAgentState(ctx, record);
  await writeAdminCredentials(ctx, spec.adminPassword, false);
  await writeOwnedFile(paths.initFile, `${flavor.adminPasswordStatement(spec.adminPassword)}\n`, ctx.switchTo, { mode: 0o600 });
  await flushCopy(ctx, signal);
  try {
    await start(true);
  } finally {
    await removeInitFile(ctx);
  }
  await syncAccess(ctx, signal, spec.allowedCidrs);
  await writeOwnedFile(paths.preparedMarker, `${JSON.stringify({ preparedAt: new Date().toISOString(), restored: true })}\n`, ctx.switchTo);
}
