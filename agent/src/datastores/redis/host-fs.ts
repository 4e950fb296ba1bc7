// File-system chores the manager repeats for every instance: directories and files owned by the
// server's account, reachability checks for that account, a du-like size walk, log tails.
// (A near copy of postgresql/host-fs.ts; both belong in a shared datastores folder.)
import { randomBytes } from "node:crypto";
import { chmod, chown, lstat, mkdir, open, readFile, readdir, rename, rm, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import type { Account } from "./context.js";
import { DatastorePreconditionError } from "./errors.js";

/** Creates `dir` (and missing parents) and gives it to `account` with `mode`; existing dirs are fixed up. */
export async function ensureOwnedDir(dir: string, account: Account | undefined, mode: number): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  if (account) await chown(dir, account.uid, account.gid);
  await chmod(dir, mode);
}

/**
 * Replaces `path` with `content` atomically (temp file, fsync, rename), owned by `account` (the
 * agent's own account when undefined) with `mode`. Skips the write when the content is already
 * there; returns whether the file changed, so callers know whether the server must restart.
 */
export async function writeOwnedFile(path: string, content: string, account: Account | undefined, mode = 0o600): Promise<boolean> {
  const current = await readFile(path, "utf8").catch(() => undefined);
  if (current === content) return false;
  const temp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const handle = await open(temp, "wx", mode);
    try {
      await handle.writeFile(content, "utf8");
      if (account) await handle.chown(account.uid, account.gid);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return true;
}

/**
 * Fails when `account` could not traverse some directory on the way to `path` (a root-only 0700
 * temp dir is the usual culprit); the server would otherwise die with a terse "permission denied".
 */
export async function assertReachable(path: string, account: Account | undefined): Promise<void> {
  if (!account) return; // the server runs as the agent's own account, which just created the path
  const parts = path.split(sep).filter(Boolean);
  let dir: string = sep;
  for (const part of ["", ...parts.slice(0, -1)]) {
    dir = join(dir, part);
    const info = await stat(dir).catch(() => undefined);
    if (!info) return; // the rest does not exist yet; the manager creates it traversable
    const bit = info.uid === account.uid ? 0o100 : info.gid === account.gid ? 0o010 : 0o001;
    if ((info.mode & bit) === 0) {
      throw new DatastorePreconditionError(`user ${account.user} cannot enter ${dir}, needed to reach ${path}`);
    }
  }
}

/** True when `path` exists (any kind of file). */
export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Allocated bytes of every file below `dir`, like `du -s`; files vanishing mid-walk are skipped. */
export async function diskUsageBytes(dir: string): Promise<number> {
  let total = 0;
  const pending = [dir];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const current = next;
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    const sizes = await Promise.all(
      entries.map(async (entry) => {
        const path = join(current, entry.name);
        if (entry.isDirectory()) pending.push(path);
        const info = await lstat(path).catch(() => undefined);
        return info ? info.blocks * 512 : 0;
      }),
    );
    for (const size of sizes) total += size;
  }
  const self = await lstat(dir).catch(() => undefined);
  return total + (self ? self.blocks * 512 : 0);
}

/** Size of a file in bytes; 0 when it does not exist. */
export async function fileSize(path: string): Promise<number> {
  return stat(path).then(
    (info) => info.size,
    () => 0,
  );
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
