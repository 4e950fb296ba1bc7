// File-system chores every datastore manager repeats for each instance: directories owned by the
// server's account, reachability checks for that account, existence and size checks, a du-like walk.
import { chmod, chown, lstat, mkdir, readdir, stat } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { DatastorePreconditionError } from "../errors.js";
import type { Account } from "./account.js";

/** Creates `dir` (and missing parents) and gives it to `account` with `mode`; existing dirs are fixed up. */
export async function ensureOwnedDir(dir: string, account: Account | undefined, mode: number): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  if (account) await chown(dir, account.uid, account.gid);
  await chmod(dir, mode);
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

/** Size of a file in bytes; 0 when it does not exist. */
export async function fileSize(path: string): Promise<number> {
  return stat(path).then(
    (info) => info.size,
    () => 0,
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

/**
 * Gives the server's account its run, log and data directories, each 0700, and checks it can reach
 * them. runDir may sit on a tmpfs emptied by a reboot, so every start calls this.
 */
export async function ensureInstanceDirs(
  paths: { dataDir: string; runDir: string; logDir: string },
  account: Account | undefined,
): Promise<void> {
  await ensureOwnedDir(paths.runDir, account, 0o700);
  await ensureOwnedDir(paths.logDir, account, 0o700);
  await ensureOwnedDir(paths.dataDir, account, 0o700);
  for (const dir of [paths.dataDir, paths.runDir, paths.logDir]) await assertReachable(dir, account);
}
