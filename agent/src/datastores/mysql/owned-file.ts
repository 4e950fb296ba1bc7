// The MySQL-family variant of writeOwnedFile: unlike ../common/owned-file.ts it also resets the mode
// of an unchanged file, and its in-place write recreates the file, so mode and owner are always the
// ones asked for (option files the server reads must not stay world-writable from an older copy).
import { chmod, chown, readFile, rm, writeFile } from "node:fs/promises";
import type { Account } from "../common/account.js";
import { replaceFileDurably } from "../common/owned-file.js";

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
  await replaceFileDurably(path, content, owner, mode);
  return true;
}
