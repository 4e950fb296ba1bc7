// How much room an instance's logs may take, and keeping them within it by deleting the oldest
// files. Engine-neutral: the engine lists its files (log-tail.ts listLogFiles) and says which one
// it writes now, which is never deleted.
import { rm, statfs } from "node:fs/promises";
import type { LogFile } from "./log-tail.js";

/** Logs never take more than this, however large the volume. */
export const MAX_LOG_CAP_BYTES = 100 * 1024 * 1024;

/** Share of the volume's size the logs may take when that is less than MAX_LOG_CAP_BYTES. */
export const LOG_CAP_SHARE = 0.1;

/**
 * The cap of an instance's logs: min(MAX_LOG_CAP_BYTES, LOG_CAP_SHARE of the file system holding
 * `volumePath`). Tied to the volume, so a small instance keeps proportionally less and its logs can
 * never crowd out its data; MAX_LOG_CAP_BYTES when the size cannot be read.
 */
export async function logCapBytes(volumePath: string): Promise<number> {
  const info = await statfs(volumePath).catch(() => undefined);
  if (!info) return MAX_LOG_CAP_BYTES;
  return Math.min(MAX_LOG_CAP_BYTES, Math.floor(info.blocks * info.bsize * LOG_CAP_SHARE));
}

/**
 * Deletes files of `files` (oldest first, as listLogFiles returns them), oldest first, until the
 * rest fit in `capBytes`, never one `isProtected` names (the file being written). Returns the
 * deleted paths. A file already gone counts as deleted; any other failure is thrown, and the files
 * deleted before it stay deleted (the next call carries on).
 */
export async function pruneLogFiles(files: LogFile[], capBytes: number, isProtected: (file: LogFile) => boolean): Promise<string[]> {
  let total = files.reduce((sum, file) => sum + file.size, 0);
  const deleted: string[] = [];
  for (const file of files) {
    if (total <= capBytes) break;
    if (isProtected(file)) continue;
    await rm(file.path, { force: true });
    deleted.push(file.path);
    total -= file.size;
  }
  return deleted;
}
