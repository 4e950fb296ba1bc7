// Config and marker files owned by the server's account, replaced atomically so a crash leaves
// either the old content or the new one, never half of each.
import { randomBytes } from "node:crypto";
import { chown, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import type { Account } from "./account.js";

/**
 * Replaces `path` with `content` atomically (temp file, fsync, rename), owned by `account` (the
 * agent's own account when undefined) with `mode`. Writes unconditionally.
 */
export async function replaceFileDurably(path: string, content: string, account: Account | undefined, mode: number): Promise<void> {
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
}

/**
 * Replaces `path` with `content` atomically (see replaceFileDurably), owned by `account`. Skips the
 * write when the content is already there (leaving mode and owner as they are); returns whether
 * the file changed, so callers know whether the server must reload or restart.
 *
 * `durable: false` writes in place instead, for a fresh data directory that the caller syncs as a
 * whole right after and throws away if anything fails before that (ext4 flushes every file renamed
 * over another one, which made the durable path cost ~8 ms a file there for nothing).
 */
export async function writeOwnedFile(
  path: string,
  content: string,
  account: Account | undefined,
  options: { mode?: number; durable?: boolean } = {},
): Promise<boolean> {
  const { mode = 0o600, durable = true } = options;
  const current = await readFile(path, "utf8").catch(() => undefined);
  if (current === content) return false;
  if (!durable) {
    await writeFile(path, content, { encoding: "utf8", mode });
    if (account) await chown(path, account.uid, account.gid);
    return true;
  }
  await replaceFileDurably(path, content, account, mode);
  return true;
}
