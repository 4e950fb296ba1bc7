// Where a restore builds an instance's data directory: in a staging sibling on the same volume,
// renamed into place once the backup is extracted and verified, so an interrupted or failed
// extraction never looks like a data directory; and the undo every engine's restore shares.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rename, rm, rmdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import type { Logger } from "pino";
import { DatastoreEngineError } from "../errors.js";
import type { Account } from "./account.js";
import { CHILD_ENV } from "./child-env.js";
import { ensureOwnedDir, ensureParent } from "./host-fs.js";

/**
 * Creates a staging directory beside `dataDir`, owned by `account` (0700), lets `fill` extract and
 * check the backup there, makes it durable (one syncfs: extractors write without fsync), then
 * renames it to `dataDir`, which must be missing or empty (and not a mount point). When anything
 * fails the staging directory is removed and `dataDir` is untouched.
 */
export async function buildDataDir(
  dataDir: string,
  account: Account | undefined,
  signal: AbortSignal,
  fill: (staging: string) => Promise<void>,
): Promise<void> {
  const parent = await ensureParent(dataDir);
  const staging = join(parent, `.${basename(dataDir)}.restore-${randomBytes(4).toString("hex")}`);
  try {
    await ensureOwnedDir(staging, account, 0o700);
    await fill(staging);
    await syncFileSystem(staging, signal);
    await rmdir(dataDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
    await rename(staging, dataDir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Runs a restore; when it fails, stops whatever server it started and removes the data directory,
 * so the instance is as empty as before and a new restore (or prepare) can start from scratch.
 * The restore's error is rethrown; a failing clean-up is only logged.
 */
export async function restoreOrUndo(
  dataDir: string,
  logger: Logger,
  stopServer: () => Promise<void>,
  restore: () => Promise<void>,
): Promise<void> {
  try {
    await restore();
  } catch (err) {
    logger.warn({ err }, "restore failed; removing what it left");
    await stopServer().catch((stopErr: unknown) => logger.error({ err: stopErr }, "could not stop the server of a failed restore"));
    await rm(dataDir, { recursive: true, force: true }).catch((rmErr: unknown) =>
      logger.error({ err: rmErr, dataDir }, "could not remove the data directory of a failed restore"),
    );
    throw err;
  }
}

/** syncfs of the file system holding `path` (sync --file-system). */
async function syncFileSystem(path: string, signal: AbortSignal): Promise<void> {
  try {
    await promisify(execFile)("sync", ["--file-system", path], { env: { ...CHILD_ENV }, signal });
  } catch (err) {
    signal.throwIfAborted();
    throw new DatastoreEngineError(`could not sync ${path} to disk`, err instanceof Error ? err.message : String(err), { cause: err });
  }
}
