// Keeps the server's logs within a share of the disk. The server never rotates them itself (it
// appends until told to reopen), so the agent renames x.log to x.log.1 (older generations move up
// to .2, .3 ...), tells a running server to reopen (FLUSH ERROR|GENERAL|SLOW LOGS; it creates the
// new file as its own account), and deletes the oldest generations past the cap.
//
// Caps: all logs together hold at most min(maxTotalBytes, volumeShare of the smallest filesystem
// among the log directory's and the volume's); each log gets an equal share of that, its current
// file is rotated once past min(maxFileBytes, half its share), and at most keepFiles rotated files
// are kept, fewer when the share is full.
import { readdir, rename, rm, stat, statfs } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { InstanceContext } from "./context.js";
import { LOG_KINDS, type LogKind } from "./log-kinds.js";

/** The caps; MysqlManagerOptions.logLimits overrides them (tests use small ones). */
export interface LogLimits {
  /** A log's current file is rotated past this (default 10 MiB). */
  maxFileBytes: number;
  /** Rotated files kept per log (default 5). */
  keepFiles: number;
  /** All logs together (default 100 MiB). */
  maxTotalBytes: number;
  /** Share of the filesystem all logs may use together (default 0.1). */
  volumeShare: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = Object.freeze({
  maxFileBytes: 10 * 1024 * 1024,
  keepFiles: 5,
  maxTotalBytes: 100 * 1024 * 1024,
  volumeShare: 0.1,
});

/** One file of a log: generation 0 is the current file. */
export interface Generation {
  path: string;
  generation: number;
  size: number;
}

/** The files of a log, current first, then .1, .2 ... (oldest last). */
export async function logGenerations(ctx: InstanceContext, kind: LogKind): Promise<Generation[]> {
  const current = kind.file(ctx.paths);
  const prefix = `${basename(current)}.`;
  const names = await readdir(dirname(current)).catch(() => [] as string[]);
  const generations = names
    .map((name) => {
      const suffix = name.startsWith(prefix) ? name.slice(prefix.length) : "";
      return { name, generation: name === basename(current) ? 0 : /^\d+$/.test(suffix) ? Number(suffix) : -1 };
    })
    .filter((g) => g.generation >= 0);
  const sized = await Promise.all(
    generations.map(async ({ name, generation }) => {
      const path = join(dirname(current), name);
      const info = await stat(path).catch(() => undefined);
      return info?.isFile() ? { path, generation, size: info.size } : undefined;
    }),
  );
  return sized.filter((g): g is Generation => g !== undefined).sort((a, b) => a.generation - b.generation);
}

/** The per-log caps for this instance's filesystems. */
export async function logCaps(ctx: InstanceContext): Promise<{ fileBytes: number; logBytes: number; keep: number }> {
  const limits = ctx.logLimits;
  const sizes = await Promise.all(
    [ctx.paths.logDir, dirname(ctx.paths.dataDir)].map((dir) =>
      statfs(dir).then(
        (fs) => fs.blocks * fs.bsize,
        () => Infinity,
      ),
    ),
  );
  const total = Math.min(limits.maxTotalBytes, Math.floor(Math.min(...sizes) * limits.volumeShare));
  const logBytes = Math.floor(total / LOG_KINDS.length);
  return { fileBytes: Math.max(1, Math.min(limits.maxFileBytes, Math.floor(logBytes / 2))), logBytes, keep: limits.keepFiles };
}

/** Whether rotateLogs would do anything now: the periodic call's cheap check. */
export async function rotationDue(ctx: InstanceContext): Promise<boolean> {
  const caps = await logCaps(ctx);
  for (const kind of LOG_KINDS) {
    const files = await logGenerations(ctx, kind);
    if (overCap(files, caps)) return true;
  }
  return false;
}

function overCap(files: Generation[], caps: { fileBytes: number; logBytes: number; keep: number }): boolean {
  const current = files.find((f) => f.generation === 0);
  const rotated = files.filter((f) => f.generation > 0);
  const total = files.reduce((sum, f) => sum + f.size, 0);
  return (current?.size ?? 0) > caps.fileBytes || rotated.length > caps.keep || (total > caps.logBytes && rotated.length > 0);
}

/**
 * Rotates every log past its cap and deletes what falls out. `reopen` tells a running server to
 * reopen a log's file (undefined: the server is stopped and opens it at start); when it fails the
 * rename is undone, so the server is never left writing to a file the agent may delete.
 */
export async function rotateLogs(ctx: InstanceContext, reopen: ((kind: LogKind) => Promise<void>) | undefined): Promise<void> {
  const caps = await logCaps(ctx);
  for (const kind of LOG_KINDS) {
    let files = await logGenerations(ctx, kind);
    if (!overCap(files, caps)) continue;
    const current = files.find((f) => f.generation === 0);
    if (current && current.size > caps.fileBytes) {
      for (const f of [...files].reverse()) if (f.generation > 0) await rename(f.path, `${current.path}.${f.generation + 1}`);
      await rename(current.path, `${current.path}.1`);
      if (reopen) {
        try {
          await reopen(kind);
        } catch (err) {
          await rename(`${current.path}.1`, current.path).catch(() => {}); // the server still writes there
          throw err;
        }
      }
      ctx.logger.info({ log: kind.name, bytes: current.size }, "log rotated");
      files = await logGenerations(ctx, kind);
    }
    // Oldest first: past keepFiles, then while the log is over its share (the current file stays).
    let total = files.reduce((sum, f) => sum + f.size, 0);
    for (const f of [...files].reverse()) {
      if (f.generation === 0 || (f.generation <= caps.keep && total <= caps.logBytes)) continue;
      await rm(f.path, { force: true });
      total -= f.size;
    }
  }
}
