// Point-in-time restore: after the base backup is in place, the source instance's archived WAL
// from the backup's start on is put in a restore directory on the volume, and the first start
// replays it in archive recovery (recovery.signal) up to the target, then promotes. The recovery
// settings go on the postmaster's command line for that one run, never into a file: PostgreSQL
// would flag a later removal of these start-only settings as a pending restart. hot_standby is off
// while replaying so a new instance with a smaller flavor (fewer max_connections than the source)
// does not pause recovery; the server answers only once promoted.
//
// A restore of an incremental chain (its increments are archived WAL, wal-increment.ts) stages the
// increments' WAL the same way and replays to the last increment's stopLsn; with a restore time
// too, the source's archive fills in what follows and the time is the target.
import { createWriteStream } from "node:fs";
import { chown, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { readTail } from "../common/log-files.js";
import { ensureOwnedDir, exists } from "../common/host-fs.js";
import { writeOwnedFile } from "../common/owned-file.js";
import { DatastoreEngineError, DatastorePreconditionError } from "../errors.js";
import type { OpenBackupObject, RecoverySpec, RecoveryTarget } from "../manager.js";
import { startServer } from "./app.js";
import { inspectPostmaster } from "./postmaster.js";
import type { InstanceContext } from "./context.js";
import { SERVER_LOG_FILES } from "./server-log.js";
import { stageIncrements } from "./wal-increment-restore.js";
import { shellQuote } from "./settings.js";

/** Replaying a long stretch of WAL takes a while; the caller's deadline still bounds it. */
const RECOVERY_START_TIMEOUT_S = 6 * 60 * 60;
const PROMOTION_POLL_MS = 50;
const SEGMENT = /^[0-9A-F]{24}$/;
const HISTORY = /^[0-9A-F]{8}\.history$/;

/**
 * Puts the WAL the replay needs in the restore directory, owned by the server's account: the
 * increments' (in chain order), then the source's archived files they do not hold. Returns where
 * the replay stops (the restore time, else the last increment's end) and how many files it staged;
 * undefined when there is nothing to replay.
 */
export async function stageWal(
  ctx: InstanceContext,
  recovery: RecoverySpec | undefined,
  increments: readonly OpenBackupObject[],
  signal: AbortSignal,
): Promise<{ target: RecoveryTarget; files: number } | undefined> {
  if (!recovery && increments.length === 0) return undefined;
  await rm(ctx.paths.walRestoreDir, { recursive: true, force: true });
  await ensureOwnedDir(ctx.paths.walRestoreDir, ctx.switchTo, 0o700);
  const chain = increments.length > 0 ? await stageIncrements(ctx, increments, signal) : undefined;
  const archived = recovery ? await stageArchivedWal(ctx, recovery, signal) : 0;
  const target: RecoveryTarget | undefined = recovery?.target ?? (chain ? { kind: "lsn", lsn: chain.stopLsn } : undefined);
  return target && { target, files: (chain?.files ?? 0) + archived };
}

/**
 * Copies the source's archived WAL into the restore directory: every segment from the one the
 * backup started in (backup_label says which; the timeline part is left out of the comparison, as
 * a later timeline continues the same positions) and every timeline history, but for files an
 * increment staged already. Returns how many files it staged.
 */
async function stageArchivedWal(ctx: InstanceContext, recovery: RecoverySpec, signal: AbortSignal): Promise<number> {
  const { paths } = ctx;
  const label = await readFile(join(paths.dataDir, "backup_label"), "utf8").catch(() => "");
  const start = /^START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)/m.exec(label)?.[1];
  const wanted = recovery.walFiles.filter((name) => HISTORY.test(name) || (SEGMENT.test(name) && (!start || name.slice(8) >= start.slice(8))));
  let staged = 0;
  for (const name of wanted) {
    signal.throwIfAborted();
    const file = join(paths.walRestoreDir, name);
    if (await exists(file)) continue;
    await pipeline(await recovery.openWal(name, signal), createWriteStream(file, { flags: "wx", mode: 0o600 }), { signal });
    if (ctx.switchTo) await chown(file, ctx.switchTo.uid, ctx.switchTo.gid);
    staged++;
  }
  ctx.logger.info({ files: staged, from: start }, "archived wal staged for replay");
  return staged;
}

/** The settings that make the first start replay the staged WAL up to `target` and promote. */
export function recoverySettings(ctx: InstanceContext, target: RecoveryTarget): Array<[string, string]> {
  const dir = ctx.paths.walRestoreDir;
  return [
    ["restore_command", `cp ${shellQuote(dir)}/%f "%p"`],
    ["recovery_target_action", "promote"],
    ["hot_standby", "off"],
    ...targetSettings(target),
  ];
}

function targetSettings(target: RecoveryTarget): Array<[string, string]> {
  switch (target.kind) {
    case "time":
      // A numeric zone: time zone abbreviations ("Z", "UTC") are not loaded yet when the
      // postmaster checks its command line, so those forms are refused there.
      return [["recovery_target_time", target.time.toISOString().replace("T", " ").replace("Z", "+00")]];
    case "lsn":
      // Inclusive (the default): replay stops after the first record that starts at or past it.
      return [["recovery_target_lsn", target.lsn]];
  }
}

/**
 * Starts the server in archive recovery with `settings` and resolves once it has promoted. A
 * replay that runs out of WAL before the target fails with DatastorePreconditionError saying the
 * archive does not reach it.
 */
export async function replayAndPromote(ctx: InstanceContext, target: RecoveryTarget, signal: AbortSignal): Promise<void> {
  const began = performance.now();
  await writeOwnedFile(ctx.paths.recoverySignal, "", ctx.switchTo);
  const options = recoverySettings(ctx, target)
    .map(([name, value]) => `-c ${shellQuote(`${name}=${value}`)}`)
    .join(" ");
  try {
    await startServer(ctx, RECOVERY_START_TIMEOUT_S, signal, options);
    await promoted(ctx, signal);
  } catch (err) {
    signal.throwIfAborted();
    throw await explainReplayFailure(ctx, target, err);
  }
  ctx.logger.info({ ms: Math.round(performance.now() - began), target: describeTarget(target) }, "postgresql replayed archived wal and promoted");
}

/**
 * Resolves once the server has left recovery: recovery.signal gone (PostgreSQL removes it when
 * replay ends) and the postmaster ready for writes; rejects if the postmaster is gone meanwhile.
 */
async function promoted(ctx: InstanceContext, signal: AbortSignal): Promise<void> {
  for (;;) {
    const state = await inspectPostmaster(ctx.paths);
    if (state.kind !== "alive") throw new DatastoreEngineError("PostgreSQL stopped while replaying archived WAL");
    if (state.status === "ready" && !(await exists(ctx.paths.recoverySignal))) return;
    await sleep(PROMOTION_POLL_MS, undefined, { signal });
  }
}

/** Removes the staged WAL once the server has promoted (or the restore failed). */
export async function clearStagedWal(ctx: InstanceContext): Promise<void> {
  await rm(ctx.paths.walRestoreDir, { recursive: true, force: true });
}

/** The server's own account of why the replay stopped, from the newest server log. */
async function explainReplayFailure(ctx: InstanceContext, target: RecoveryTarget, err: unknown): Promise<unknown> {
  const names = (await readdir(ctx.paths.logDir).catch(() => [] as string[])).filter((n) => SERVER_LOG_FILES.test(n)).sort();
  const newest = names.at(-1);
  const tail = newest ? await readTail(join(ctx.paths.logDir, newest), 64 * 1024) : "";
  if (tail.includes("recovery ended before configured recovery target was reached")) {
    const why =
      target.kind === "lsn"
        ? `the incremental backups' WAL does not reach ${describeTarget(target)}: their WAL ends before it`
        : `the WAL archive does not reach ${describeTarget(target)}: the archived WAL ends before it (a source that is gone, or WAL not yet archived)`;
    return new DatastorePreconditionError(why, { cause: err });
  }
  if (tail.includes("requested recovery stop point is before consistent recovery point")) {
    return new DatastorePreconditionError(`${describeTarget(target)} is before the backup's end: restore from an older backup`, { cause: err });
  }
  const fatal = tail
    .split("\n")
    .filter((line) => /\b(FATAL|PANIC):/.test(line))
    .at(-1);
  if (!(err instanceof DatastoreEngineError)) return err;
  if (!fatal) return new DatastoreEngineError(err.message, `${err.detail}\n${tail.slice(-4000)}`, { cause: err });
  return new DatastoreEngineError(`WAL replay failed: ${fatal.replace(/^.*?\b(FATAL|PANIC):\s*/, "")}`, `${err.detail}\n${tail.slice(-4000)}`, { cause: err });
}

function describeTarget(target: RecoveryTarget): string {
  switch (target.kind) {
    case "time":
      return target.time.toISOString();
    case "lsn":
      return `LSN ${target.lsn}`;
  }
}
