// The volume of an instance as root: a sparse file formatted ext4 and loop-mounted on
// `${root}/volume`, so an instance has a hard size limit (ENOSPC, not a full host disk) and can be
// grown online later. Every step checks what is already done, so ensure() can resume after a crash.

import { open, stat, type FileHandle } from "node:fs/promises";
import type { Logger } from "pino";
import { findMount, mountsUnder } from "./mounts.js";
import { createMutex } from "./mutex.js";
import { runCommand } from "./run-command.js";
import { sleep, waitUntil } from "./wait.js";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const EXT_MAGIC_OFFSET = 1080;
const EXT_MAGIC = 0xef53;

/**
 * mkfs.ext4 on a freshly truncated sparse image. Discard stays on: on a regular file it punches
 * holes, after which mke2fs knows the inode tables read as zeros and marks them zeroed, so the
 * kernel's lazy-init thread has nothing to write after the mount (`nodiscard` would undo that).
 * `lazy_journal_init` skips writing the journal's zeros (32 MiB on 1 GiB): the image is sparse and
 * was just emptied and discarded (see emptySparse), so those blocks already read as zeros.
 */
function mkfsArgv(image: string): string[] {
  return ["mkfs.ext4", "-q", "-F", "-m", "0", "-E", "lazy_journal_init=1", image];
}

// util-linux picks a free loop device and then claims it; serialising our own mounts keeps
// concurrent ensure() calls from racing for the same device.
const loopSetup = createMutex();

/** Creates, formats and mounts the loop volume as far as it is not done yet. */
export async function ensureLoopVolume(
  image: string,
  mountPoint: string,
  sizeGb: number,
  options: { logger: Logger; signal?: AbortSignal },
): Promise<void> {
  const { logger, signal } = options;
  if (await findMount(mountPoint)) return;
  const { created, formatted } = await inspectImage(image);
  if (!formatted) {
    // Not formatted means nothing was ever stored, so (re)sizing and formatting loses nothing.
    const bytes = Math.max(64, Math.round((sizeGb * GIB) / MIB)) * MIB;
    await emptySparse(image, bytes);
    signal?.throwIfAborted();
    logger.info({ image, bytes }, "formatting volume");
    await runCommand(mkfsArgv(image), { signal, timeoutMs: 300_000 });
  }
  await loopSetup.runExclusive(async () => {
    // A loop device can only be left over for an image that existed before this call.
    if (!created) await detachLoopDevices(image, { signal });
    await runCommand(["mount", "-o", "loop,nodev,nosuid", image, mountPoint], { signal, timeoutMs: 60_000 });
  });
  logger.info({ image, mountPoint }, "volume mounted");
}

/**
 * Unmounts everything at or below `dir` (retrying while processes let go, `umount -l` as a last
 * resort) and detaches the loop devices of `image`. Returns what is still left, normally nothing.
 */
export async function releaseLoopVolume(
  image: string,
  dir: string,
  options: { logger: Logger; signal?: AbortSignal; beforeRetry?: () => Promise<void> },
): Promise<{ mounts: string[]; loopDevices: string[] }> {
  const { logger, signal } = options;
  for (let attempt = 1; attempt <= 5; attempt++) {
    const mounts = await mountsUnder(dir);
    if (mounts.length === 0) break;
    for (const mount of mounts) {
      const lazy = attempt === 5;
      const argv = lazy ? ["umount", "-l", mount.target] : ["umount", mount.target];
      try {
        await runCommand(argv, { signal });
      } catch (err) {
        logger.warn({ err, target: mount.target, attempt, lazy }, "umount failed");
      }
    }
    if ((await mountsUnder(dir)).length > 0 && attempt < 5) {
      await options.beforeRetry?.();
      await sleep(200 * attempt, signal);
    }
  }
  if (await exists(image)) {
    // Autoclear detaches on the last close, which can trail the umount by a moment.
    const cleared = await waitUntil(async () => (await loopDevicesOf(image)).length === 0, 2000, signal);
    if (!cleared) await detachLoopDevices(image, { signal });
    await waitUntil(async () => (await loopDevicesOf(image)).length === 0, 5000, signal);
  }
  return {
    mounts: (await mountsUnder(dir)).map((m) => m.target),
    loopDevices: (await exists(image)) ? await loopDevicesOf(image) : [],
  };
}

/** Loop devices backed by `image` (`losetup -j`). */
export async function loopDevicesOf(image: string, signal?: AbortSignal): Promise<string[]> {
  const { stdout } = await runCommand(["losetup", "-j", image], { signal });
  return stdout
    .split("\n")
    .map((line) => line.slice(0, line.indexOf(":")))
    .filter((device) => device.startsWith("/dev/"));
}

/** Detaches the loop devices of `image` that are not mounted (left over from a crash). */
async function detachLoopDevices(image: string, options: { signal?: AbortSignal }): Promise<void> {
  for (const device of await loopDevicesOf(image, options.signal)) {
    await runCommand(["losetup", "-d", device], { signal: options.signal }).catch(() => undefined);
  }
}

/** Whether the image had to be created (it did not exist) and whether it already holds ext4. */
async function inspectImage(image: string): Promise<{ created: boolean; formatted: boolean }> {
  let handle: FileHandle;
  try {
    handle = await open(image, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { created: true, formatted: false };
    throw err;
  }
  try {
    const buffer = Buffer.alloc(2);
    const { bytesRead } = await handle.read(buffer, 0, 2, EXT_MAGIC_OFFSET);
    return { created: false, formatted: bytesRead === 2 && buffer.readUInt16LE(0) === EXT_MAGIC };
  } finally {
    await handle.close();
  }
}

/** Makes `image` a sparse file of `bytes` that reads as zeros throughout, creating it if needed. */
async function emptySparse(image: string, bytes: number): Promise<void> {
  const handle = await open(image, "a", 0o600);
  try {
    await handle.truncate(0);
    await handle.truncate(bytes);
  } finally {
    await handle.close();
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
