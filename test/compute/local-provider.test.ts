// The local compute provider against real processes, real loop mounts and real sockets: what the
// taskmanager (and through it, a user) sees of an instance's volume, address and agent.

import { execFileSync } from "node:child_process";
import { mkdir, open, readdir, readFile, rm, stat, statfs, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { nftTableName } from "../../agent/src/datastores/common/firewall.js";
import type { ComputeProvider } from "../../services/taskmanager/compute/provider.js";
import {
  eventually,
  isAlive,
  loopBackingFilesUnder,
  mountsUnder,
  never,
  processesMentioning,
  readPid,
  spec,
  STAND_IN_AGENT,
  tempHome,
  testProvider,
} from "./local-provider-helpers.js";

const isRoot = process.getuid?.() === 0;
const hasNft = ((): boolean => {
  try {
    execFileSync("nft", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
const EXT4_MAGIC = 0xef53;
const GIB = 1024 ** 3;

let home: string;
let provider: ComputeProvider;

beforeAll(async () => {
  home = await tempHome();
  provider = testProvider(home);
});

afterEach(async () => {
  for (const id of await provider.list()) await provider.destroy(id, never());
}, 60_000);

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const runFile = (root: string, name: string): string => path.join(root, "run", name);

describe("local compute provider", () => {
  it("ensure is idempotent: same address, one agent", async () => {
    const first = await provider.ensure(spec("idem"), never());
    const second = await provider.ensure(spec("idem"), never());
    expect(second).toEqual(first);
    expect(first.host).toMatch(/^127\.86\.0\.\d+$/);
    expect(first.port).toBe(5432);

    const state = await provider.describe("idem");
    expect(state?.status).toBe("RUNNING");
    await readPid(runFile(first.root, "agent-ready"));
    const starts = (await readFile(runFile(first.root, "agent-started"), "utf8")).trim().split("\n");
    expect(starts).toEqual([String(state?.agentPid)]);
    expect(await provider.list()).toEqual(["idem"]);
  }, 60_000);

  it("writes instance.json with everything the agent needs", async () => {
    const ref = await provider.ensure(spec("config"), never());
    const config = JSON.parse(await readFile(path.join(ref.root, "instance.json"), "utf8")) as Record<string, unknown>;
    expect(config).toMatchObject({
      instanceId: "config",
      engine: "postgresql",
      binDir: "/usr/lib/postgresql/16/bin",
      host: ref.host,
      port: 5432,
      volumeKind: isRoot ? "loop" : "directory",
      root: ref.root,
      dataDir: path.join(ref.root, "volume", "data"),
      runDir: path.join(ref.root, "run"),
      logDir: path.join(ref.root, "logs"),
      cacheDir: path.join(home, "cache"),
      natsUrl: "nats://127.0.0.1:4222",
    });
    if (isRoot) {
      const runAs = config.runAs as { user: string; uid: number; gid: number };
      // An account of its own, so no other instance's server can read its files.
      expect(runAs.user).toBe("hoard-config");
      for (const dir of ["volume", "run", "logs"]) expect((await stat(path.join(ref.root, dir))).uid).toBe(runAs.uid);
    }
    await eventually(async () => (await readFile(path.join(ref.root, "logs", "agent.log"), "utf8")).includes("stand-in agent"));
  }, 60_000);

  it.runIf(isRoot)("gives every instance an OS account of its own, and removes it with the instance", async () => {
    const a = await provider.ensure(spec("acct-a"), never());
    const b = await provider.ensure(spec("acct-b"), never());
    const owner = async (root: string) => (await stat(path.join(root, "volume"))).uid;
    expect(await owner(a.root)).not.toBe(await owner(b.root));
    const passwd = () => readFile("/etc/passwd", "utf8");
    expect(await passwd()).toContain("hoard-accta:");
    await provider.destroy("acct-a", never());
    await provider.destroy("acct-b", never());
    expect(await passwd()).not.toContain("hoard-accta:");
    expect(await passwd()).not.toContain("hoard-acctb:");
  }, 60_000);

  it("gives two instances distinct loopback addresses on the standard port", async () => {
    const a = await provider.ensure(spec("addr-a"), never());
    const b = await provider.ensure(spec("addr-b", { engine: "redis" }), never());
    expect(a.host).not.toBe(b.host);
    expect([a.port, b.port]).toEqual([5432, 6379]);
    // Linux routes 127.0.0.0/8 to lo: the allocated address can be bound without configuration.
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(a.port, a.host, resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }, 60_000);

  it("skips a loopback address where something already listens on the engine port", async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve, reject) => squatter.once("error", reject).listen(3306, "127.87.0.1", resolve));
    try {
      const other = testProvider(home, { loopbackBase: "127.87.0.0" });
      const ref = await other.ensure(spec("squat", { engine: "mariadb" }), never());
      expect(ref).toMatchObject({ host: "127.87.0.2", port: 3306 });
    } finally {
      squatter.close();
    }
  }, 60_000);

  it.each([
    ["loop", true],
    ["directory", false],
  ])("gives 5 concurrently ensured instances 5 distinct addresses (%s volumes)", async (_kind, useLoopVolumes) => {
    if (useLoopVolumes && !isRoot) return;
    const concurrent = testProvider(home, { useLoopVolumes });
    const ids = ["c1", "c2", "c3", "c4", "c5"];
    const refs = await Promise.all(ids.map((id) => concurrent.ensure(spec(id), never())));
    expect(new Set(refs.map((r) => r.host)).size).toBe(5);
    for (const id of ids) expect((await concurrent.describe(id))?.status).toBe("RUNNING");
  }, 120_000);

  it("reports a killed agent as STOPPED and ensure restarts it at the same address", async () => {
    const ref = await provider.ensure(spec("crash"), never());
    const before = await provider.describe("crash");
    expect(before?.agentPid).toBeDefined();
    process.kill(before?.agentPid ?? 0, "SIGKILL");
    await eventually(async () => (await provider.describe("crash"))?.status === "STOPPED");
    const stopped = await provider.describe("crash");
    expect(stopped).toMatchObject({ status: "STOPPED", host: ref.host, port: ref.port, volumeKind: ref.volumeKind });
    expect(stopped?.agentPid).toBeUndefined();

    expect(await provider.ensure(spec("crash"), never())).toEqual(ref);
    const after = await provider.describe("crash");
    expect(after?.status).toBe("RUNNING");
    expect(after?.agentPid).not.toBe(before?.agentPid);
  }, 60_000);

  it("re-adopts running instances after a control plane restart", async () => {
    const ref = await provider.ensure(spec("adopt"), never());
    const pid = (await provider.describe("adopt"))?.agentPid;
    const restarted = testProvider(home);
    expect(await restarted.list()).toEqual(["adopt"]);
    expect(await restarted.describe("adopt")).toMatchObject({ status: "RUNNING", agentPid: pid });
    expect(await restarted.ensure(spec("adopt"), never())).toEqual(ref);
    expect((await restarted.describe("adopt"))?.agentPid).toBe(pid);
    // A lost agent.pid (crash right after spawn) does not lead to a second agent either.
    await rm(runFile(ref.root, "agent.pid"));
    await restarted.ensure(spec("adopt"), never());
    expect((await restarted.describe("adopt"))?.agentPid).toBe(pid);
    expect(await readFile(runFile(ref.root, "agent.pid"), "utf8")).toBe(`${pid}\n`);
  }, 60_000);

  it("adopts an agent started with a former agent command instead of starting a second one", async () => {
    const formerCommand = [process.execPath, "--no-warnings", STAND_IN_AGENT];
    const before = testProvider(home, { agentCommand: formerCommand });
    const ref = await before.ensure(spec("upgrade"), never());
    const pid = (await before.describe("upgrade"))?.agentPid;
    expect(pid).toBeDefined();

    const upgraded = testProvider(home, { formerAgentCommands: [formerCommand] });
    expect(await upgraded.ensure(spec("upgrade"), never())).toEqual(ref);
    expect(await upgraded.describe("upgrade")).toMatchObject({ status: "RUNNING", agentPid: pid });
    await readPid(runFile(ref.root, "agent-ready"));
    const starts = (await readFile(runFile(ref.root, "agent-started"), "utf8")).trim().split("\n");
    expect(starts).toEqual([String(pid)]);

    await upgraded.destroy("upgrade", never());
    expect(isAlive(pid ?? 0)).toBe(false);
  }, 60_000);

  it.runIf(isRoot)("mounts a real ext4 volume of the requested size that fills up with ENOSPC", async () => {
    const ref = await provider.ensure(spec("vol"), never());
    expect(ref.volumeKind).toBe("loop");
    const volume = path.join(ref.root, "volume");
    const [mount] = mountsUnder(volume);
    expect(mount).toMatchObject({ target: volume, fsType: "ext4" });
    expect(mount?.source).toMatch(/^\/dev\/loop\d+$/);
    const fs = await statfs(volume);
    expect(fs.type).toBe(EXT4_MAGIC);
    const total = fs.blocks * fs.bsize;
    expect(total).toBeGreaterThan(0.9 * GIB);
    expect(total).toBeLessThanOrEqual(GIB);
    expect((await stat(path.join(ref.root, "volume.img"))).size).toBe(GIB);

    const file = await open(path.join(volume, "fill"), "w");
    const chunk = Buffer.alloc(8 * 1024 * 1024, 1);
    let written = 0;
    let error: NodeJS.ErrnoException | undefined;
    try {
      while (written < 2 * GIB) written += (await file.write(chunk)).bytesWritten;
    } catch (err) {
      error = err as NodeJS.ErrnoException;
    } finally {
      await file.close();
    }
    expect(error?.code).toBe("ENOSPC");
    expect(written).toBeLessThanOrEqual(GIB);
  }, 120_000);

  it.runIf(isRoot)("resumes after a crash part-way through ensure", async () => {
    // A crash right after `truncate` created the image, with a loop device left attached to it.
    const root = path.join(home, "instances", "resume");
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, "volume.img"), "");
    expect(await provider.describe("resume")).toMatchObject({ status: "STOPPED", host: "", port: 0, volumeKind: "loop" });
    execFileSync("truncate", ["-s", "64M", path.join(root, "volume.img")]);
    execFileSync("losetup", ["-f", path.join(root, "volume.img")]);
    expect(loopBackingFilesUnder(root)).toHaveLength(1);

    const ref = await provider.ensure(spec("resume"), never());
    expect(mountsUnder(path.join(root, "volume"))).toMatchObject([{ fsType: "ext4" }]);
    expect(loopBackingFilesUnder(root)).toHaveLength(1);
    expect((await stat(path.join(root, "volume.img"))).size).toBe(GIB);
    expect(await provider.describe("resume")).toMatchObject({ status: "RUNNING", host: ref.host });
  }, 60_000);

  it("destroy leaves no process, mount, loop device or directory", async () => {
    const ref = await provider.ensure(spec("gone"), never());
    const agentPid = (await provider.describe("gone"))?.agentPid ?? 0;
    const enginePid = await readPid(runFile(ref.root, "engine.pid"));
    const helperPid = await readPid(runFile(ref.root, "helper.pid"));
    expect([agentPid, enginePid, helperPid].every(isAlive)).toBe(true);
    if (isRoot) expect(loopBackingFilesUnder(ref.root)).toHaveLength(1);

    await provider.destroy("gone", never());

    expect([agentPid, enginePid, helperPid].filter(isAlive)).toEqual([]);
    expect(processesMentioning(ref.root)).toEqual([]);
    expect(mountsUnder(ref.root)).toEqual([]);
    expect(loopBackingFilesUnder(ref.root)).toEqual([]);
    await expect(stat(ref.root)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await provider.describe("gone")).toBeUndefined();
    expect(await provider.list()).toEqual([]);
    await provider.destroy("gone", never());
  }, 60_000);

  it("destroy ends a tool the agent left hanging, though it names nothing of the instance", async () => {
    const hanging = testProvider(home, { extraAgentEnv: { STAND_IN_HANGING_TOOL: "1" } });
    const ref = await hanging.ensure(spec("hangs"), never());
    const toolPid = await readPid(runFile(ref.root, "tool.pid"));
    expect(isAlive(toolPid)).toBe(true);
    await hanging.destroy("hangs", never());
    expect(isAlive(toolPid)).toBe(false);
  }, 60_000);

  it.runIf(isRoot && hasNft)("destroy removes the instance's nftables table, and does without one", async () => {
    await provider.ensure(spec("fw-a1b2"), never());
    const table = nftTableName("fw-a1b2");
    execFileSync("nft", ["add", "table", "inet", table]);
    const tables = () => execFileSync("nft", ["list", "tables", "inet"], { encoding: "utf8" });
    expect(tables()).toContain(`table inet ${table}`);
    await provider.destroy("fw-a1b2", never());
    expect(tables()).not.toContain(`table inet ${table}`);
    await provider.ensure(spec("fw-none"), never());
    await provider.destroy("fw-none", never());
    expect(await provider.describe("fw-none")).toBeUndefined();
  }, 60_000);

  it("destroy kills an agent that ignores SIGTERM", async () => {
    const stubborn = testProvider(home, { extraAgentEnv: { STAND_IN_IGNORE_SIGTERM: "1" }, stopGraceMs: 300 });
    const ref = await stubborn.ensure(spec("stubborn"), never());
    await readPid(runFile(ref.root, "agent-ready"));
    const agentPid = (await stubborn.describe("stubborn"))?.agentPid ?? 0;
    await stubborn.destroy("stubborn", never());
    expect(isAlive(agentPid)).toBe(false);
    expect(processesMentioning(ref.root)).toEqual([]);
    await expect(stat(ref.root)).rejects.toMatchObject({ code: "ENOENT" });
  }, 60_000);

  it("works with a plain directory volume when loop volumes are off", async () => {
    const plain = testProvider(home, { useLoopVolumes: false, loopbackBase: "127.88.0.0" });
    const ref = await plain.ensure(spec("plain"), never());
    expect(ref).toMatchObject({ volumeKind: "directory", host: "127.88.0.1", port: 5432 });
    expect(mountsUnder(ref.root)).toEqual([]);
    expect(await plain.describe("plain")).toMatchObject({ status: "RUNNING", volumeKind: "directory" });
    const enginePid = await readPid(runFile(ref.root, "engine.pid"));
    await plain.destroy("plain", never());
    expect(isAlive(enginePid)).toBe(false);
    await expect(stat(ref.root)).rejects.toMatchObject({ code: "ENOENT" });
  }, 60_000);

  it("allocates host ports from the range in host mode, skipping busy ones", async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve, reject) => busy.once("error", reject).listen(0, "127.0.0.1", resolve));
    const busyPort = (busy.address() as net.AddressInfo).port;
    try {
      const hosted = testProvider(home, { addressMode: "host", portRange: [busyPort, busyPort + 20], useLoopVolumes: false });
      const [a, b] = await Promise.all([hosted.ensure(spec("host-a"), never()), hosted.ensure(spec("host-b"), never())]);
      expect(a?.host).toBe("127.0.0.1");
      expect([a?.port, b?.port].sort()).toEqual([busyPort + 1, busyPort + 2]);
    } finally {
      busy.close();
    }
  }, 60_000);

  it("keeps a caller-given address and rejects unsafe ids", async () => {
    const ref = await provider.ensure(spec("given", { host: "127.86.9.9", port: 5433 }), never());
    expect(ref).toMatchObject({ host: "127.86.9.9", port: 5433 });
    await expect(provider.ensure(spec("../escape"), never())).rejects.toThrow(/instance id/);
    await expect(provider.ensure(spec("half", { host: "127.0.0.1" }), never())).rejects.toThrow(/together/);
    expect(await readdir(path.join(home, "instances"))).toEqual(["given"]);
  }, 60_000);

  it("honours an aborted signal", async () => {
    await provider.ensure(spec("abort"), never());
    const controller = new AbortController();
    controller.abort(new Error("cancelled"));
    await expect(provider.destroy("abort", controller.signal)).rejects.toThrow("cancelled");
    expect((await provider.describe("abort"))?.status).toBe("RUNNING");
  }, 60_000);
});
