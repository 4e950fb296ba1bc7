// The server logs the agent reads back into start failures, and keeps from growing without bound.
import { open, rename, truncate } from "node:fs/promises";
import { fileSize } from "./host-fs.js";

/** The startup log (a few lines per failed start, appended forever) is emptied past this size. */
export const MAX_STARTUP_LOG_BYTES = 1024 * 1024;

/** The last `bytes` of a file as text; "" when it cannot be read. */
export async function readTail(path: string, bytes: number): Promise<string> {
  return readSince(path, 0, bytes);
}

/** What was appended to a file since it was `offset` bytes long, at most its last `maxBytes`; "" when unreadable. */
export async function readSince(path: string, offset: number, maxBytes: number): Promise<string> {
  try {
    const handle = await open(path, "r");
    try {
      const { size } = await handle.stat();
      const start = Math.max(offset <= size ? offset : 0, size - maxBytes);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      return buffer.toString("utf8");
    } finally {
      await handle.close();
    }
  } catch {
    return "";
  }
}

/** Empties the startup log at `path` once past MAX_STARTUP_LOG_BYTES. */
export async function trimStartupLog(path: string): Promise<void> {
  if ((await fileSize(path)) > MAX_STARTUP_LOG_BYTES) await truncate(path, 0);
}

/** Renames `path` to `path.1` (replacing the previous one) when it has grown past `maxBytes`. */
export async function rotateIfLarger(path: string, maxBytes: number): Promise<boolean> {
  if ((await fileSize(path)) <= maxBytes) return false;
  await rename(path, `${path}.1`);
  return true;
}
