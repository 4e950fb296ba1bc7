// The "error" guest log of Redis: its logfile (startup, warnings, persistence and replication
// events). Redis opens the file for every line it writes, so rotating is a rename: the next line
// starts a new file, and nothing has to signal the server. Rotated files are named by the time
// they were rotated, which sorts them oldest first.
import { rename } from "node:fs/promises";
import { basename } from "node:path";
import { exists, fileSize } from "../common/host-fs.js";
import { logCapBytes, MAX_LOG_CAP_BYTES, pruneLogFiles } from "../common/log-cap.js";
import { listLogFiles, readLogFiles, type LogFile } from "../common/log-tail.js";
import type { LogChunk, LogReadOptions } from "../manager.js";
import type { InstanceContext } from "./context.js";

/** How large the log may grow; see createErrorLogRotation. */
export interface LogCaps {
  /** The live file is rotated past this. */
  fileBytes: number;
  /** Live and rotated files together; the volume's share (../common/log-cap.ts) applies on top. */
  totalBytes: number;
}

export const DEFAULT_LOG_CAPS: LogCaps = Object.freeze({ fileBytes: 10 * 1024 * 1024, totalBytes: MAX_LOG_CAP_BYTES });

const ROTATED = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/;

/** The log's files, oldest first: the rotated ones by the time in their name, then the live one. */
export async function errorLogFiles(ctx: InstanceContext): Promise<LogFile[]> {
  const live = basename(ctx.paths.logFile);
  const files = await listLogFiles(ctx.paths.logDir, new RegExp(`^${live.replaceAll(".", "\\.")}(\\..+)?$`));
  const rotated = files.filter((file) => ROTATED.test(basename(file.path).slice(live.length + 1)));
  rotated.sort((a, b) => (a.path < b.path ? -1 : 1)); // by name, not mtime: a rotated file and the next line can share a tick
  return [...rotated, ...files.filter((file) => basename(file.path) === live)];
}

/** The last lines, or what follows a cursor, across rotations (see ../common/log-tail.ts). */
export async function readErrorLog(ctx: InstanceContext, options: LogReadOptions): Promise<LogChunk> {
  return readLogFiles(await errorLogFiles(ctx), options);
}

/** Bytes the live and rotated files hold. */
export async function errorLogBytes(ctx: InstanceContext): Promise<number> {
  return (await errorLogFiles(ctx)).reduce((sum, file) => sum + file.size, 0);
}

/**
 * A rotate function for the manager: renames the live file past caps.fileBytes, then deletes the
 * oldest rotated files until all of them fit min(caps.totalBytes, 10% of the volume: see
 * ../common/log-cap.ts). One stat when nothing is due; the deletion pass runs after a rotation
 * and once per manager (caps may have shrunk since the last agent).
 */
export function createErrorLogRotation(ctx: InstanceContext, caps: LogCaps): () => Promise<void> {
  let pruned = false;
  return async () => {
    const { logFile } = ctx.paths;
    const rotate = (await fileSize(logFile)) > caps.fileBytes;
    if (!rotate && pruned) return;
    if (rotate) {
      await rename(logFile, await rotatedName(logFile));
      ctx.logger.info({ path: logFile }, "redis log rotated");
    }
    await prune(ctx, caps);
    pruned = true;
  };
}

/** `<log>.<UTC time>`, a millisecond later while that name is taken (two rotations in one millisecond). */
async function rotatedName(logFile: string): Promise<string> {
  for (let at = Date.now(); ; at += 1) {
    const name = `${logFile}.${new Date(at).toISOString().replaceAll(":", "-")}`;
    if (!(await exists(name))) return name;
  }
}

async function prune(ctx: InstanceContext, caps: LogCaps): Promise<void> {
  const limit = Math.min(caps.totalBytes, await logCapBytes(ctx.paths.dataDir));
  const deleted = await pruneLogFiles(await errorLogFiles(ctx), limit, (file) => file.path === ctx.paths.logFile);
  if (deleted.length > 0) ctx.logger.info({ paths: deleted }, "old redis logs deleted");
}
