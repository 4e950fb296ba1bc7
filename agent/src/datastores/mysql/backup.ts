// Backups of a running MySQL-family server: the flavor's hot backup tool (mariadb-backup) as the
// admin over the unix socket, streaming xbstream on stdout while the server keeps serving (InnoDB
// pages copied with the redo log written meanwhile; a short backup lock for the rest). After it, a
// last xbstream entry of the agent's own, hoard-backup.json: the allowed-networks record (which
// accounts are per-network copies of a user@'%', which ones the agent locked), which lives beside
// the data directory and which a restore needs to keep listing users as the source did. Being last,
// it also marks the stream complete. An incremental backup is the same stream with only the pages
// changed since the parent's to_lsn (--incremental-lsn), plus .delta/.meta files per tablespace.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createBackupStream } from "../common/backup-stream.js";
import { toolOutput } from "../common/tool-stream.js";
import { DatastorePreconditionError } from "../errors.js";
import type { BackupFacts, BackupParent, BackupStream } from "../manager.js";
import { guard } from "./admin-support.js";
import { readAgentState, type AccessRecord } from "./agent-state.js";
import { runSql } from "./client.js";
import type { InstanceContext } from "./context.js";
import { TOOL_ENV } from "./exec.js";

/** The agent's entry at the end of every backup stream. */
export const TRAILER = "hoard-backup.json";

/** What the trailer holds. */
export interface BackupTrailer {
  engine: string;
  access: AccessRecord;
}

/** Starts a full backup of the running server, or an incremental one on `parent`; see DatastoreBackups.backup. */
export async function backupServer(ctx: InstanceContext, signal: AbortSignal, parent?: BackupParent): Promise<BackupStream> {
  signal.throwIfAborted();
  const fromLsn = parent === undefined ? undefined : parentLsn(parent);
  const binaries = await backupBinaries(ctx);
  const rows = await guard(ctx, () => runSql(ctx, "SELECT VERSION();", { signal, timeoutMs: 10_000 }));
  const trailer: BackupTrailer = { engine: ctx.flavor.engine, access: (await readAgentState(ctx)).access };
  // The tool's scratch directory (it keeps its LSN record there for us): the agent's, in runDir.
  const workDir = join(ctx.paths.runDir, `backup-${randomBytes(4).toString("hex")}`);
  await mkdir(workDir, { mode: 0o700 });
  return createBackupStream(copy(ctx, binaries, workDir, { engineVersion: rows[0]?.[0] ?? "", trailer, fromLsn }, signal));
}

/** Where an incremental backup starts: the parent's to_lsn, as its own backup recorded it. */
function parentLsn(parent: BackupParent): string {
  const lsn = parent.details.toLsn ?? "";
  if (!/^[0-9]{1,20}$/.test(lsn)) throw new DatastorePreconditionError("the parent backup records no LSN to start an incremental backup from (toLsn); take a full backup");
  return lsn;
}

/** The backup tool and its stream tool, or a precondition naming the package that brings them. */
export async function backupBinaries(ctx: InstanceContext): Promise<{ backup: string; backupStream: string }> {
  const { backup, backupStream } = await ctx.binaries();
  if (!backup || !backupStream) {
    const { tools } = ctx.flavor;
    throw new DatastorePreconditionError(`${ctx.flavor.displayName} backups need ${tools.backup[0]} and ${tools.backupStream[0]} beside the server (next to ${ctx.layout.binDir})`);
  }
  return { backup, backupStream };
}

async function* copy(
  ctx: InstanceContext,
  binaries: { backup: string; backupStream: string },
  workDir: string,
  known: { engineVersion: string; trailer: BackupTrailer; fromLsn: string | undefined },
  signal: AbortSignal,
): AsyncGenerator<Buffer, BackupFacts, undefined> {
  const began = performance.now();
  // The agent's own account: unix_socket authentication knows it as root (password mode: the option file).
  const options = { account: undefined, signal, env: TOOL_ENV };
  try {
    const args = [
      `--defaults-file=${ctx.paths.optionFile}`, // datadir and the InnoDB layout, as the server has them
      ...(ctx.adminAuth === "password" ? [`--defaults-extra-file=${ctx.paths.adminOptionFile}`] : ["--user=root", `--socket=${ctx.paths.socketPath}`]),
      "--backup",
      "--stream=xbstream",
      `--target-dir=${workDir}`,
      `--extra-lsndir=${workDir}`,
      ...(known.fromLsn === undefined ? [] : [`--incremental-lsn=${known.fromLsn}`]),
    ];
    yield* toolOutput(binaries.backup, args, { ...options, label: ctx.flavor.tools.backup[0] ?? "backup tool" });
    const details = await lsnDetails(workDir);
    await writeFile(join(workDir, TRAILER), `${JSON.stringify(known.trailer)}\n`, { mode: 0o600 });
    yield* toolOutput(binaries.backupStream, ["-c", TRAILER], { ...options, cwd: workDir, label: "mbstream -c" });
    ctx.logger.info({ ms: Math.round(performance.now() - began), ...details }, "backup taken");
    return { format: "xbstream", engineVersion: known.engineVersion, details };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * The LSN range from xtrabackup_checkpoints (to_lsn is the base an incremental backup starts from,
 * --incremental-basedir's or --incremental-lsn's) and the binlog position from xtrabackup_info
 * when the server writes a binlog.
 */
export async function lsnDetails(workDir: string): Promise<Record<string, string>> {
  const fields = (text: string): Map<string, string> => {
    const pairs = text.split("\n").map((line) => /^\s*([a-z_]+)\s*=\s*(.*?)\s*$/.exec(line));
    return new Map(pairs.flatMap((m) => (m?.[1] !== undefined ? [[m[1], m[2] ?? ""] as const] : [])));
  };
  const checkpoints = fields(await readFile(join(workDir, "xtrabackup_checkpoints"), "utf8"));
  const info = fields(await readFile(join(workDir, "xtrabackup_info"), "utf8").catch(() => ""));
  const details: Record<string, string> = {
    backupType: checkpoints.get("backup_type") ?? "",
    fromLsn: checkpoints.get("from_lsn") ?? "",
    toLsn: checkpoints.get("to_lsn") ?? "",
    lastLsn: checkpoints.get("last_lsn") ?? "",
  };
  const binlog = info.get("binlog_pos");
  if (binlog) details.binlogPos = binlog;
  return details;
}
