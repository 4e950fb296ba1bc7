// Growing an instance's volume through the local compute provider, as a user would see it: the
// database server keeps running and writing, and afterwards more fits on the volume than before.
// Loop volumes need root, and growing a mounted ext4 also needs CAP_SYS_RESOURCE (containers may
// drop it); the tests that need what this host lacks are skipped, the refusals still run.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { open, readFile, rm, stat, statfs, writeFile } from "node:fs/promises";
import path from "node:path";
import { Code } from "@connectrpc/connect";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OnlineGrowUnavailableError, VolumeShrinkError } from "../../services/taskmanager/compute/local/index.js";
import type { ComputeProvider } from "../../services/taskmanager/compute/provider.js";
import { eventually, isAlive, mountsUnder, never, spec, tempHome, testProvider } from "./local-provider-helpers.js";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const isRoot = process.getuid?.() === 0;
/** EXT4_IOC_RESIZE_FS, which resize2fs uses on a mounted ext4, needs CAP_SYS_RESOURCE (bit 24). */
const hasSysResource = ((): boolean => {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
  return hex !== undefined && ((BigInt(`0x${hex}`) >> 24n) & 1n) === 1n;
})();
const canGrowOnline = isRoot && hasSysResource;

let home: string;
let provider: ComputeProvider;
const writers: ChildProcess[] = [];

beforeAll(async () => {
  home = await tempHome();
  provider = testProvider(home, { loopbackBase: "127.89.0.0" });
});

afterEach(async () => {
  for (const writer of writers.splice(0)) writer.kill("SIGKILL");
  for (const id of await provider.list()) await provider.destroy(id, never());
}, 60_000);

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

/** Total and free bytes of the file system at `dir`, as df reports them. */
async function df(dir: string): Promise<{ total: number; free: number }> {
  const fs = await statfs(dir);
  return { total: fs.blocks * fs.bsize, free: fs.bavail * fs.bsize };
}

/** Writes `bytes` of data to a new file, then fsyncs it, so ENOSPC cannot hide in the page cache. */
async function writeBytes(file: string, bytes: number): Promise<void> {
  const handle = await open(file, "w");
  try {
    const chunk = Buffer.alloc(8 * MIB, 7);
    for (let written = 0; written < bytes; ) written += (await handle.write(chunk, 0, Math.min(chunk.length, bytes - written))).bytesWritten;
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A process that holds `file` open and keeps appending to it, as a database server does. */
function startWriter(file: string): ChildProcess {
  const writer = spawn("sh", ["-c", 'exec 3>>"$1"; while :; do echo tick >&3; sleep 0.05; done', "writer", file], { stdio: "ignore" });
  writers.push(writer);
  return writer;
}

describe("volume resize", () => {
  it.runIf(canGrowOnline)("grows a loop volume online while a process keeps writing to it", async () => {
    const ref = await provider.ensure(spec("grow"), never());
    const volume = path.join(ref.root, "volume");
    const image = path.join(ref.root, "volume.img");
    // Fill most of the volume, leaving less than the write that follows the grow.
    const empty = await df(volume);
    execFileSync("fallocate", ["-l", String(empty.free - 64 * MIB), path.join(volume, "fill")]);
    const before = await df(volume);
    expect(before.free).toBeLessThan(100 * MIB);
    const wal = path.join(volume, "wal");
    const writer = startWriter(wal);
    await eventually(async () => (await stat(wal).catch(() => undefined))?.size !== undefined);

    expect(await provider.resize("grow", { volumeSizeGb: 2 }, never())).toEqual({ volumeSizeGb: 2 });

    expect(isAlive(writer.pid ?? 0)).toBe(true);
    const walSize = (await stat(wal)).size;
    await eventually(async () => (await stat(wal)).size > walSize);
    const after = await df(volume);
    expect(after.total).toBeGreaterThan(1.9 * GIB);
    expect(after.total).toBeLessThanOrEqual(2 * GIB);
    const dfSize = Number(execFileSync("df", ["-B1", "--output=size", volume], { encoding: "utf8" }).split("\n")[1]);
    expect(dfSize).toBe(after.total);
    expect((await stat(image)).size).toBe(2 * GIB);
    await writeBytes(path.join(volume, "more"), before.free + 256 * MIB);
    expect(mountsUnder(volume)).toMatchObject([{ fsType: "ext4" }]);
    expect(JSON.parse(await readFile(path.join(ref.root, "instance.json"), "utf8"))).toMatchObject({ volumeSizeGb: 2 });

    // Repeating it changes nothing.
    expect(await provider.resize("grow", { volumeSizeGb: 2 }, never())).toEqual({ volumeSizeGb: 2 });
    expect((await stat(image)).size).toBe(2 * GIB);
    expect((await df(volume)).total).toBe(after.total);

    // Shrinking is refused as a bad argument and changes nothing either.
    const refused = provider.resize("grow", { volumeSizeGb: 1 }, never());
    await expect(refused).rejects.toBeInstanceOf(VolumeShrinkError);
    await expect(refused).rejects.toMatchObject({ code: Code.InvalidArgument });
    expect((await stat(image)).size).toBe(2 * GIB);
    expect((await df(volume)).total).toBe(after.total);
    expect((await stat(path.join(volume, "more"))).size).toBe(before.free + 256 * MIB);
    expect(isAlive(writer.pid ?? 0)).toBe(true);
  }, 180_000);

  it.runIf(canGrowOnline)("finishes a grow that a crash interrupted after the file was grown", async () => {
    const ref = await provider.ensure(spec("half"), never());
    const volume = path.join(ref.root, "volume");
    const image = path.join(ref.root, "volume.img");
    const before = await df(volume);
    // The crash: the file and the loop device grew, the file system did not.
    execFileSync("truncate", ["-s", "2G", image]);
    const [mount] = mountsUnder(volume);
    execFileSync("losetup", ["--set-capacity", mount?.source ?? "missing"]);
    expect((await df(volume)).total).toBe(before.total);

    expect(await provider.resize("half", { volumeSizeGb: 2 }, never())).toEqual({ volumeSizeGb: 2 });
    expect((await df(volume)).total).toBeGreaterThan(1.9 * GIB);
  }, 120_000);

  it.runIf(isRoot && !hasSysResource)("refuses to grow where the host forbids online growth, changing nothing", async () => {
    const ref = await provider.ensure(spec("nocap"), never());
    const volume = path.join(ref.root, "volume");
    const before = await df(volume);
    const refused = provider.resize("nocap", { volumeSizeGb: 2 }, never());
    await expect(refused).rejects.toBeInstanceOf(OnlineGrowUnavailableError);
    await expect(refused).rejects.toMatchObject({ code: Code.FailedPrecondition, message: expect.stringContaining("CAP_SYS_RESOURCE") });
    expect((await stat(path.join(ref.root, "volume.img"))).size).toBe(GIB);
    expect((await df(volume)).total).toBe(before.total);
  }, 120_000);

  it.runIf(isRoot)("grows a loop volume offline (unmounted, checked, grown, mounted again) with its files kept", async () => {
    const ref = await provider.ensure(spec("offline"), never());
    const volume = path.join(ref.root, "volume");
    const empty = await df(volume);
    execFileSync("fallocate", ["-l", String(empty.free - 64 * MIB), path.join(volume, "fill")]);
    await writeFile(path.join(volume, "kept-file"), "kept");
    const before = await df(volume);
    expect(await provider.growsOnline("offline")).toBe(hasSysResource);
    // The caller stops the database server before an offline grow; the stand-in's "engine" has
    // its working directory on the volume, as a real server does.
    const { runDir } = JSON.parse(await readFile(path.join(ref.root, "instance.json"), "utf8")) as { runDir: string };
    await eventually(async () => (await stat(path.join(runDir, "engine.pid")).catch(() => undefined)) !== undefined);
    const enginePid = Number((await readFile(path.join(runDir, "engine.pid"), "utf8")).trim());
    process.kill(enginePid, "SIGKILL");
    await eventually(async () => !isAlive(enginePid));

    expect(await provider.resize("offline", { volumeSizeGb: 2, offline: true }, never())).toEqual({ volumeSizeGb: 2 });
    const after = await df(volume);
    expect(after.total).toBeGreaterThan(1.9 * GIB);
    expect(mountsUnder(volume)).toMatchObject([{ fsType: "ext4" }]);
    expect(await readFile(path.join(volume, "kept-file"), "utf8")).toBe("kept");
    await writeBytes(path.join(volume, "more"), before.free + 256 * MIB);

    // Repeating it changes nothing; a file held open keeps the volume busy, and the grow says so.
    expect(await provider.resize("offline", { volumeSizeGb: 2, offline: true }, never())).toEqual({ volumeSizeGb: 2 });
    expect((await df(volume)).total).toBe(after.total);
    const writer = startWriter(path.join(volume, "busy"));
    await eventually(async () => (await stat(path.join(volume, "busy")).catch(() => undefined)) !== undefined);
    await expect(provider.resize("offline", { volumeSizeGb: 3, offline: true }, never())).rejects.toThrow(/cannot unmount/);
    expect(isAlive(writer.pid ?? 0)).toBe(true);
    expect(mountsUnder(volume)).toMatchObject([{ fsType: "ext4" }]);
  }, 180_000);

  it.runIf(isRoot)("refuses to shrink a loop volume, changing nothing", async () => {
    const ref = await provider.ensure(spec("shrink"), never());
    const volume = path.join(ref.root, "volume");
    const before = await df(volume);
    const refused = provider.resize("shrink", { volumeSizeGb: 0.5 }, never());
    await expect(refused).rejects.toBeInstanceOf(VolumeShrinkError);
    await expect(refused).rejects.toMatchObject({ code: Code.InvalidArgument, message: expect.stringContaining("volumeSizeGb") });
    expect((await stat(path.join(ref.root, "volume.img"))).size).toBe(GIB);
    expect((await df(volume)).total).toBe(before.total);
  }, 120_000);

  it("records a directory volume's new size (it has no limit to grow) and never lowers it", async () => {
    const plain = testProvider(home, { useLoopVolumes: false, loopbackBase: "127.89.100.0" });
    const ref = await plain.ensure(spec("dir"), never());
    const config = async () => JSON.parse(await readFile(path.join(ref.root, "instance.json"), "utf8")) as Record<string, unknown>;
    expect(await config()).toMatchObject({ volumeKind: "directory", volumeSizeGb: 1 });

    expect(await plain.resize("dir", { volumeSizeGb: 5 }, never())).toEqual({ volumeSizeGb: 5 });
    expect(await config()).toMatchObject({ volumeSizeGb: 5 });
    expect(await plain.resize("dir", { volumeSizeGb: 5 }, never())).toEqual({ volumeSizeGb: 5 });
    await expect(plain.resize("dir", { volumeSizeGb: 3 }, never())).rejects.toMatchObject({ code: Code.InvalidArgument });
    expect(await config()).toMatchObject({ volumeSizeGb: 5 });
    // An ensure with the size the instance was created with keeps the grown one.
    await plain.ensure(spec("dir"), never());
    expect(await config()).toMatchObject({ volumeSizeGb: 5 });
    expect(mountsUnder(ref.root)).toEqual([]);
  }, 60_000);

  it("answers NOT_FOUND for an unknown instance and INVALID_ARGUMENT for a size that is no size", async () => {
    await expect(provider.resize("nobody", { volumeSizeGb: 2 }, never())).rejects.toMatchObject({ code: Code.NotFound });
    await provider.ensure(spec("badsize", { volumeSizeGb: 1 }), never());
    for (const volumeSizeGb of [0, -1, Number.NaN]) {
      await expect(provider.resize("badsize", { volumeSizeGb }, never())).rejects.toMatchObject({ code: Code.InvalidArgument });
    }
  }, 60_000);
});
