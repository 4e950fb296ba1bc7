// File-system chores of the MySQL-family managers: directories owned by the server's account,
// config files written atomically, reachability checks, a du-like walk, log tails and rotation.
// (The PostgreSQL manager has its own copy of most of this; both should move to datastores/common/.)
import { randomBytes } from "node:crypto";
import { chmod, chown, lstat, mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import type { Account } from "./account.js";
import { DatastorePreconditionError } from "./errors.js";

/** Creates `dir` (and missing parents) and gives it to `account` with `mode`; existing dirs are fixed up. */
export async function ensureOwnedDir(dir: string, account: Account | undefined, mode: number): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  if (account) await chown(dir, account.uid, account.gid);
  await chmod(dir, mode);
}

/**
 * Replaces `path` with `content` (temp file, fsync, rename), owned by `owner` (undefined: the
 * agent). Skips the write when the content is already there; returns whether the file changed.
 * `durable: false` writes in place, for a fresh copy the caller syncs as a whole right after.
 */
export async function writeOwnedFile(
  path: string,
  content: string,
  owner: Account | undefined,
  options: { mode?: number; durable?: boolean } = {},
): Promise<boolean> {
  const { mode = 0o600, durable = true } = options;
  const current = await readFile(path, "utf8").catch(() => undefined);
  if (current === content) {
    await chmod(path, mode);
    return false;
  }
  if (!durable) {
    await rm(path, { force: true }); // writeFile keeps an existing file's mode and owner
    await writeFile(path, content, { encoding: "utf8", mode, flag: "wx" });
    if (owner) await chown(path, owner.uid, owner.gid);
    return true;
  }
  const temp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const handle = await open(temp, "wx", mode);
    try {
      await handle.writeFile(content, "utf8");
      if (owner) await handle.chown(owner.uid, owner.gid);
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

/** Parent directory of `path`, created when missing (owned by the agent: only the leaf is the server's). */
export async function ensureParent(path: string): Promise<string> {
  const parent = dirname(path);
  await mkdir(parent, { recursive: true, mode: 0o755 });
  return parent;
}

/** The last `bytes` of a file as text; "" when it cannot be read. */
export async function readTail(path: string, bytes: number): Promise<string> {
  try {
    const handle = await open(path, "r");
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - bytes);
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

/** Renames `path` to `path.1` (replacing the previous one) when it has grown past `maxBytes`. */
export async function rotateIfLarger(path: string, maxBytes: number): Promise<boolean> {
  const size = await stat(path).then(
    (info) => info.size,
    () => 0,
  );
  if (size <= maxBytes) return false;
  await rename(path, `${path}.1`);
  return true;
}
