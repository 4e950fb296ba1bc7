// Redis backups and restores against the real binaries: an RDB snapshot of a serving instance,
// with its users, restored into a new instance on another address, compared key by key (a digest
// of every key's DUMP) as a client sees them.
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backgroundWriter, failingHalfway, replay, takeBackup, truncated, type TakenBackup } from "./backup-fixtures.js";
import { freeAddress, serverAccount } from "./fixtures.js";
import { DatastoreBackupStreamError, DatastorePreconditionError } from "../../agent/src/datastores/errors.js";
import type { DatastoreManager, InstanceLayout, PrepareSpec, RestoreSpec } from "../../agent/src/datastores/manager.js";
import { connectResp, createRedisManager, type RespConnection } from "../../agent/src/datastores/redis/index.js";

const BIN_DIR = process.env.HOARD_REDIS_BIN_DIR ?? "/usr/bin";
const never = new AbortController().signal;
const KEYS = 10_000;

/**
 * sha1 of every key's DUMP (and whether it expires), sorted by key; the writer's `events` list left
 * out. A set of strings is a hash table whose order (so its DUMP) differs from process to process:
 * its sorted members stand in for it.
 */
const DIGEST = `
local out = {}
local cursor = "0"
repeat
  local page = redis.call("SCAN", cursor, "COUNT", 1000)
  cursor = page[1]
  for _, key in ipairs(page[2]) do
    if key ~= "events" then
      local expires = redis.call("PTTL", key) > 0 and " ttl" or ""
      local value
      if redis.call("TYPE", key)["ok"] == "set" then
        local members = redis.call("SMEMBERS", key)
        table.sort(members)
        value = table.concat(members, ",")
      else
        value = redis.call("DUMP", key)
      end
      out[#out + 1] = key .. "=" .. redis.sha1hex(value) .. expires
    end
  end
until cursor == "0"
table.sort(out)
return #out .. " " .. redis.sha1hex(table.concat(out, "\\n"))`;

describe.skipIf(!existsSync(join(BIN_DIR, "redis-server")))("redis backups", { timeout: 120_000 }, () => {
  let home: string;
  const managers: DatastoreManager[] = [];
  const runAs = serverAccount(["hoard", "redis"]);
  const timings: Record<string, number> = {};
  const app = { name: "app", password: "app-Secret-1", databases: [] };
  const rootPassword = "root-Secret-1";
  const spec: PrepareSpec = { ramMb: 512, vcpus: 2, parameters: {}, allowedCidrs: [], databases: [], users: [app], adminPassword: "admin-Secret-1-xyz" };
  const restoreSpec: RestoreSpec = { ramMb: 256, vcpus: 1, parameters: { "maxmemory-policy": "allkeys-lru" }, allowedCidrs: [], adminPassword: "other-Admin-2-xyz" };

  async function makeLayout(id: string): Promise<InstanceLayout> {
    const root = join(home, "i", id);
    const { host, port } = await freeAddress(6379);
    return {
      instanceId: id,
      root,
      dataDir: join(root, "volume", "data"),
      runDir: join(home, "r", id),
      logDir: join(root, "log"),
      host,
      port,
      runAs,
      binDir: BIN_DIR,
      cacheDir: join(home, "cache"),
    };
  }

  function manage(layout: InstanceLayout): DatastoreManager {
    const manager = createRedisManager(layout, { startTimeoutSeconds: 30, stopTimeoutSeconds: 30 });
    managers.push(manager);
    return manager;
  }

  async function login(layout: InstanceLayout, user = app.name, password = app.password): Promise<RespConnection> {
    const conn = await connectResp({ host: layout.host, port: layout.port, connectTimeoutMs: 2_000, commandTimeoutMs: 10_000 });
    await conn.command(["AUTH", user, password]);
    return conn;
  }

  async function digest(layout: InstanceLayout): Promise<unknown> {
    const conn = await login(layout);
    try {
      return await conn.command(["EVAL", DIGEST, "0"]);
    } finally {
      conn.close();
    }
  }

  let source: InstanceLayout;
  let manager: DatastoreManager;
  let backup: TakenBackup;
  let atBackup: unknown;
  let eventsBefore = 0;
  let eventsAfter = 0;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "hoard-redisbk-"));
    await chmod(home, 0o755);
    source = await makeLayout("src");
    manager = manage(source);
    await manager.prepare(spec, never);
    await manager.enableRoot(rootPassword);
    const conn = await login(source);
    try {
      const writes: Array<Promise<unknown>> = [];
      for (let i = 0; i < KEYS; i++) {
        const kind = i % 10;
        if (kind < 5) writes.push(conn.command(["SET", `s:${i}`, `value ${i}`]));
        else if (kind === 5) writes.push(conn.command(["HSET", `h:${i}`, "name", `n${i}`, "count", String(i), "flag", "yes"]));
        else if (kind === 6) writes.push(conn.command(["RPUSH", `l:${i}`, "a", "b", String(i)]));
        else if (kind === 7) writes.push(conn.command(["SADD", `set:${i}`, "x", "y", String(i)]));
        else if (kind === 8) writes.push(conn.command(["ZADD", `z:${i}`, "1", "one", String(i), "many"]));
        else writes.push(conn.command(["XADD", `x:${i}`, "*", "field", String(i)]));
        if (i % 7 === 0) writes.push(conn.command(["EXPIRE", [`s:${i}`, `h:${i}`, `l:${i}`, `set:${i}`, `z:${i}`, `x:${i}`][kind < 5 ? 0 : kind - 4]!, "3600"]));
        if (writes.length >= 1000) await Promise.all(writes.splice(0));
      }
      await Promise.all(writes);
      expect(await conn.command(["DBSIZE"])).toBe(KEYS);
    } finally {
      conn.close();
    }
  });

  afterAll(async () => {
    for (const m of managers) await m.stop(never).catch(() => {});
    if (home) await rm(home, { recursive: true, force: true });
    console.log("redis backup timings (ms)", timings, "backup bytes", backup?.bytes.length);
  }, 60_000);

  it("backs up a fresh snapshot while a writer keeps pushing", async () => {
    atBackup = await digest(source);
    expect(atBackup).toMatch(/^10000 [0-9a-f]{40}$/);
    const conn = await login(source);
    const writer = backgroundWriter((n) => conn.command(["RPUSH", "events", String(n)]));
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      eventsBefore = writer.count();
      backup = await takeBackup(manager.backups);
      eventsAfter = writer.count();
    } finally {
      await writer.stop();
      conn.close();
    }
    timings.backup = backup.ms;
    expect(eventsAfter).toBeGreaterThan(eventsBefore); // the server kept serving while the backup ran
    expect(backup.facts).toEqual({ format: "redis-tar", engineVersion: expect.stringMatching(/^7\./), details: { savedAt: expect.any(String) } });
    expect(Date.now() - Date.parse(backup.facts.details.savedAt!)).toBeLessThan(10_000);
    expect(backup.bytes.subarray(257, 262).toString()).toBe("ustar");
    const later = await login(source);
    try {
      await later.command(["SET", "later", "1"]);
      await later.command(["DEL", "s:0", "h:5"]);
    } finally {
      later.close();
    }
  });

  it("restores it into a new instance on another address: every key, the users and root, this instance's settings", async () => {
    const layout = await makeLayout("r1");
    const restored = manage(layout);
    const began = performance.now();
    await restored.backups.restore(replay(backup.bytes), restoreSpec, never);
    timings.restore = performance.now() - began;

    expect(await restored.isPrepared()).toBe(true);
    expect(await restored.probe()).toEqual({ state: "HEALTHY" });
    expect(await digest(layout)).toBe(atBackup);
    const conn = await login(layout);
    try {
      const events = (await conn.command(["LRANGE", "events", "0", "-1"])) as string[];
      expect(events.length).toBeGreaterThanOrEqual(eventsBefore);
      expect(events.length).toBeLessThanOrEqual(eventsAfter);
      expect(events).toEqual(events.map((_, i) => String(i + 1))); // every push up to the fork, none after
      expect(await conn.command(["EXISTS", "later"])).toBe(0);
    } finally {
      conn.close();
    }
    expect(await restored.effectiveParameters(["maxmemory-policy", "maxmemory"])).toEqual({ "maxmemory-policy": "allkeys-lru", maxmemory: String(192 * 1024 * 1024) });
    expect((await restored.listUsers()).map((u) => u.name)).toEqual(["app"]);
    expect(await restored.rootEnabled()).toBe(true);
    (await login(layout, "default", rootPassword)).close();
    // The AOF (on by default) now holds the data: it survives a restart, and the next backup.
    await restored.restart(never);
    expect(await digest(layout)).toBe(atBackup);
    expect((await takeBackup(restored.backups)).bytes.length).toBeGreaterThan(100_000);
  });

  it("loads dump.rdb when a configuration turns the AOF off", async () => {
    const layout = await makeLayout("r2");
    const restored = manage(layout);
    await restored.backups.restore(replay(backup.bytes), { ...restoreSpec, parameters: { appendonly: "no" } }, never);
    expect(await digest(layout)).toBe(atBackup);
    expect(await readdir(layout.dataDir)).not.toContain("appendonlydir");
  });

  it("leaves no data directory behind when the stream fails half-way or is cut short; a new restore then works", async () => {
    const layout = await makeLayout("r3");
    const restored = manage(layout);
    await expect(restored.backups.restore(failingHalfway(backup.bytes), restoreSpec, never)).rejects.toThrow(DatastoreBackupStreamError);
    expect(existsSync(layout.dataDir)).toBe(false);
    expect(await readdir(join(layout.root, "volume"))).toEqual([]);
    await expect(restored.backups.restore(truncated(backup.bytes), restoreSpec, never)).rejects.toThrow(/tar|backup|RDB/);
    expect(existsSync(layout.dataDir)).toBe(false);
    expect(await restored.isPrepared()).toBe(false);

    await restored.backups.restore(replay(backup.bytes), restoreSpec, never);
    expect(await digest(layout)).toBe(atBackup);
  });

  it("refuses a prepared instance and a stopped server, and cancels a backup whose stream is destroyed", async () => {
    await expect(manager.backups.restore(replay(backup.bytes), restoreSpec, never)).rejects.toThrow(DatastorePreconditionError);
    const cancelled = await manager.backups.backup(never);
    cancelled.data.destroy();
    await expect(cancelled.done).rejects.toThrow();
    await manager.stop(never);
    await expect(manager.backups.backup(never)).rejects.toThrow(DatastorePreconditionError);
    await manager.start(never);
  });
});
