// The directory driver, the embedded default ($HOARD_HOME/backups). An object is written to a
// temporary file beside its final name, fsynced, then renamed: rename is atomic, so after a crash
// or a failed upload a key holds either nothing or a complete object, never half of one.
import { randomBytes } from "node:crypto";
import type { Dirent } from "node:fs";
import fsp, { type FileHandle } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { objectNotFound, validateKey, validatePrefix, type BackupStorage } from "./storage.js";

/** A BackupStorage keeping each object as a file under `dir` (created on first put). */
export function createFileStorage(dir: string): BackupStorage {
  const root = path.resolve(dir);
  const pathOf = (key: string) => path.join(root, validateKey(key));

  return {
    kind: "file",
    location: root,

    async put(key, data, signal) {
      let target: string;
      try {
        target = pathOf(key);
      } catch (err) {
        data.destroy();
        throw err;
      }
      const temp = path.join(path.dirname(target), `${tempPrefix(target)}${randomBytes(6).toString("hex")}.partial`);
      let handle: FileHandle | undefined;
      try {
        handle = await createExclusive(temp);
        const bytes = await writeAll(data, handle, signal);
        await handle.sync();
        await handle.close();
        handle = undefined;
        await fsp.rename(temp, target);
        await syncDirectory(path.dirname(target)); // makes the rename itself survive a power cut
        return { bytes };
      } catch (err) {
        data.destroy();
        await handle?.close().catch(() => undefined);
        await fsp.rm(temp, { force: true });
        throw err;
      }
    },

    async get(key) {
      const file = pathOf(key);
      let handle: FileHandle;
      try {
        handle = await fsp.open(file, "r");
      } catch (err) {
        if (isMissing(err)) throw objectNotFound(key);
        throw err;
      }
      // A key may name a directory holding other keys (`<id>` beside `<id>/base.bin`): not an object.
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw objectNotFound(key);
      }
      return handle.createReadStream({ highWaterMark: 64 * 1024 });
    },

    async delete(key) {
      const file = pathOf(key);
      try {
        await fsp.unlink(file);
      } catch (err) {
        if (!isMissing(err) && (err as NodeJS.ErrnoException).code !== "EISDIR") throw err;
      }
      await removeTemporaries(file);
      await removeEmptyParents(path.dirname(file), root);
    },

    async exists(key) {
      try {
        return (await fsp.stat(pathOf(key))).isFile();
      } catch (err) {
        if (isMissing(err)) return false;
        throw err;
      }
    },

    async list(prefix) {
      const keys: string[] = [];
      await collectKeys(path.join(root, validatePrefix(prefix)), prefix, keys);
      return keys.sort();
    },
  };
}

/** Adds the keys of the files under `dir` (named `prefix`) to `keys`; dot names are temporaries, not objects. */
async function collectKeys(dir: string, prefix: string, keys: string[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return;
    throw err;
  }
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory()) await collectKeys(path.join(dir, entry.name), `${prefix}${entry.name}/`, keys);
    else if (entry.isFile()) keys.push(`${prefix}${entry.name}`);
  }
}

/** `.name.` : the dot keeps temporaries out of the key space (validateKey refuses dot segments). */
function tempPrefix(target: string): string {
  return `.${path.basename(target)}.`;
}

/** Creates the temp file 0600; retries once if a concurrent delete removed the empty directory. */
async function createExclusive(temp: string): Promise<FileHandle> {
  for (let attempt = 0; ; attempt++) {
    await fsp.mkdir(path.dirname(temp), { recursive: true, mode: 0o700 });
    try {
      return await fsp.open(temp, "wx", 0o600);
    } catch (err) {
      if (attempt > 0 || (err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}

/** Copies the stream into the file, awaiting each write so a slow disk slows the producer. */
async function writeAll(data: Readable, handle: FileHandle, signal: AbortSignal | undefined): Promise<number> {
  let bytes = 0;
  await pipeline(
    data,
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        for (let offset = 0; offset < chunk.length; ) offset += (await handle.write(chunk, offset, chunk.length - offset)).bytesWritten;
        bytes += chunk.length;
      }
    },
    signal ? { signal } : {},
  );
  return bytes;
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fsp.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Leftovers of puts that crashed before their rename; invisible to get/exists, removed here. */
async function removeTemporaries(file: string): Promise<void> {
  const prefix = tempPrefix(file);
  let names: string[];
  try {
    names = await fsp.readdir(path.dirname(file));
  } catch (err) {
    if (isMissing(err)) return;
    throw err;
  }
  await Promise.all(names.filter((n) => n.startsWith(prefix) && n.endsWith(".partial")).map((n) => fsp.rm(path.join(path.dirname(file), n), { force: true })));
}

/** Keeps the tree free of empty per-backup directories; stops at the first non-empty one. */
async function removeEmptyParents(dir: string, root: string): Promise<void> {
  for (let current = dir; current.startsWith(root + path.sep); current = path.dirname(current)) {
    try {
      await fsp.rmdir(current);
    } catch {
      return;
    }
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}
