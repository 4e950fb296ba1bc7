// The volume of an instance as root: a sparse file formatted ext4 and loop-mounted on
// `${root}/volume`, so an instance has a hard size limit (ENOSPC, not a full host disk) and can be
// grown online later. Every step checks what is already done, so ensure() and grow can resume
// after a crash.

import { open, readFile, stat, type FileHandle } from "node:fs/promises";
import type { Logger } from "pino";
import { OnlineGrowUnavailableError, VolumeNotMountedError, VolumeShrinkError } from "./errors.js";
import { findMount, mountsUnder } from "./mounts.js";
import { createMutex } from "./mutex.js";
import { runCommand } from "./run-command.js";
import { sleep, waitUntil } from "./wait.js";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const EXT_MAGIC_OFFSET = 1080;
const EXT_MAGIC = 0xef53;
/** The kernel grows a mounted ext4 (EXT4_IOC_RESIZE_FS) only for callers with this capability. */
const CAP_SYS_RESOURCE = 24n;

/** Bytes of a volume of `sizeGb` GiB: whole MiB, at least 64 MiB (ext4 with a journal needs room). */
export function volumeBytes(sizeGb: number): number {
  return Math.max(64, Math.round((sizeGb * GIB) / MIB)) * MIB;
}

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
    const bytes = volumeBytes(sizeGb);
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
 * Grows the mounted loop volume to `sizeGb` while it is in use, and answers its size in GiB:
 * first the backing file (sparse, so it costs no disk until written), then the loop device's idea
 * of its size (`losetup -c`), then the file system (`resize2fs`, which grows a mounted ext4
 * online). Every step is harmless to repeat, so a retry after a crash at any point (file grown,
 * file system not) finishes the job, and a repeat at the same size changes nothing. A smaller size
 * throws VolumeShrinkError, and a host that cannot grow online OnlineGrowUnavailableError, both
 * before anything is touched.
 */
export async function growLoopVolume(
  image: string,
  mountPoint: string,
  sizeGb: number,
  options: { logger: Logger; signal?: AbortSignal },
): Promise<number> {
  const { logger, signal } = options;
  const { target, current } = await growTarget(image, sizeGb);
  if (!(await hasCapability(CAP_SYS_RESOURCE))) {
    throw new OnlineGrowUnavailableError(
      "this host cannot grow a mounted volume: resize2fs needs CAP_SYS_RESOURCE, which this process lacks",
    );
  }
  const device = await mountedLoopDevice(image, mountPoint, signal);
  await growImageFile(image, current, target, logger);
  signal?.throwIfAborted();
  await runCommand(["losetup", "--set-capacity", device], { signal });
  // No size argument: as large as the device, which is what a repeat after a crash needs too.
  await runCommand(["resize2fs", device], { signal, timeoutMs: 600_000 });
  logger.info({ device, bytes: target }, "volume file system grown");
  return target / GIB;
}

/** The image's size now and the size `sizeGb` asks for; a smaller one is VolumeShrinkError. */
async function growTarget(image: string, sizeGb: number): Promise<{ target: number; current: number }> {
  const target = volumeBytes(sizeGb);
  const current = (await stat(image)).size;
  if (target < current) throw new VolumeShrinkError(current / GIB, target / GIB);
  return { target, current };
}

/** Extends the sparse image file to `target` bytes (it costs no disk until written). */
async function growImageFile(image: string, current: number, target: number, logger: Logger): Promise<void> {
  if (target <= current) return;
  const handle = await open(image, "r+");
  try {
    await handle.truncate(target);
  } finally {
    await handle.close();
  }
  logger.info({ image, from: current, to: target }, "volume file grown");
}

/** Whether this host can grow a mounted ext4 (EXT4_IOC_RESIZE_FS needs CAP_SYS_RESOURCE). */
export function canGrowOnline(): Promise<boolean> {
  return hasCapability(CAP_SYS_RESOURCE);
}

/**
 * Grows the volume with nothing using it: unmount (never lazily: the file system must really be
 * closed before resize2fs touches the image), grow the file, check and grow the file system on
 * the image itself, mount it again. For hosts that cannot grow a mounted file system; the caller
 * has stopped the database server. Resumable like growLoopVolume: each step sees what is done.
 */
export async function growLoopVolumeOffline(
  image: string,
  mountPoint: string,
  sizeGb: number,
  options: { logger: Logger; signal?: AbortSignal },
): Promise<number> {
  const { logger, signal } = options;
  const { target, current } = await growTarget(image, sizeGb);
  await unmountStrictly(mountPoint, logger, signal);
  await loopSetup.runExclusive(() => detachLoopDevices(image, { signal }));
  await growImageFile(image, current, target, logger);
  // resize2fs insists on a freshly checked file system; -p repairs only what is safe unattended.
  await runCommand(["e2fsck", "-f", "-p", image], { signal, timeoutMs: 600_000, okExitCodes: [0, 1] });
  await runCommand(["resize2fs", image], { signal, timeoutMs: 600_000 });
  await loopSetup.runExclusive(() => runCommand(["mount", "-o", "loop,nodev,nosuid", image, mountPoint], { signal, timeoutMs: 60_000 }));
  logger.info({ image, bytes: target }, "volume file system grown offline and mounted again");
  return target / GIB;
}

/** Unmounts `mountPoint` if mounted, retrying while something still holds it; throws when it stays busy. */
async function unmountStrictly(mountPoint: string, logger: Logger, signal?: AbortSignal): Promise<void> {
  for (let attempt = 1; await findMount(mountPoint); attempt++) {
    try {
      await runCommand(["umount", mountPoint], { signal });
    } catch (err) {
      if (attempt >= 10) throw new Error(`cannot unmount ${mountPoint} to grow it: ${(err as Error).message}`);
      logger.warn({ err, mountPoint, attempt }, "volume busy; retrying the unmount");
      await sleep(200 * attempt, signal);
    }
  }
}

/** The loop device mounted on `mountPoint`, checked to be backed by `image`. */
async function mountedLoopDevice(image: string, mountPoint: string, signal?: AbortSignal): Promise<string> {
  const mount = await findMount(mountPoint);
  if (!mount) throw new VolumeNotMountedError(`the volume ${mountPoint} is not mounted; ensure the instance first`);
  if (!(await loopDevicesOf(image, signal)).includes(mount.source)) {
    throw new Error(`${mountPoint} is mounted from ${mount.source}, which is not a loop device of ${image}`);
  }
  return mount.source;
}

/** True when this process (and so the commands it starts) holds capability number `bit`. */
async function hasCapability(bit: bigint): Promise<boolean> {
  const status = await readFile("/proc/self/status", "utf8");
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return hex !== undefined && ((BigInt(`0x${hex}`) >> bit) & 1n) === 1n;
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
