// The Redis manager against the real redis-server 7: instances on their own loopback addresses
// under a temp dir, checked the way a Redis client would see them, over TCP with ACL users.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeAddress, serverAccount } from "./fixtures.js";
import {
  DatastoreConflictError,
  DatastoreNotFoundError,
  DatastorePreconditionError,
  DatastoreSpecError,
} from "../../agent/src/datastores/errors.js";
import { nftTableName } from "../../agent/src/datastores/common/firewall.js";
import type { DatastoreManager, InstanceLayout, PrepareSpec, ServerSettings } from "../../agent/src/datastores/manager.js";
import { connectResp, createRedisManager, type RedisManagerOptions, type RespConnection, type RespValue } from "../../agent/src/datastores/redis/index.js";

const BIN_DIR = process.env.HOARD_REDIS_BIN_DIR ?? "/usr/bin";
const never = new AbortController().signal;
const SBIN_ENV = { ...process.env, PATH: `/usr/sbin:/sbin:${process.env.PATH ?? "/usr/bin:/bin"}` };

/** Runs nft with `args`; its stdout. */
function nft(...args: string[]): string {
  return execFileSync("nft", args, { env: SBIN_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Client filtering needs root and a working nft (a container may lack CAP_NET_ADMIN). */
function nftUsable(): boolean {
  if (process.getuid?.() !== 0) return false;
  return spawnSync("nft", ["list", "tables"], { env: SBIN_ENV, stdio: "ignore" }).status === 0;
}

/** A TCP client, authenticated as `user` when given. */
async function client(layout: { host: string; port: number }, user?: string, password?: string): Promise<RespConnection> {
  const conn = await connectResp({ host: layout.host, port: layout.port, connectTimeoutMs: 2_000, commandTimeoutMs: 5_000 });
  if (user === undefined) return conn;
  try {
    await conn.command(["AUTH", user, password ?? ""]);
    return conn;
  } catch (err) {
    conn.close();
    throw err;
  }
}

/** Runs `commands` as `user` on a fresh connection and returns the replies. */
async function as(layout: InstanceLayout, user: string, password: string, ...commands: string[][]): Promise<RespValue[]> {
  const conn = await client(layout, user, password);
  try {
    const replies: RespValue[] = [];
    for (const command of commands) replies.push(await conn.command(command));
    return replies;
  } finally {
    conn.close();
  }
}

async function serverPid(layout: InstanceLayout): Promise<number> {
  return Number((await readFile(join(layout.runDir, "redis.pid"), "utf8")).trim());
}

async function eventually<T>(fn: () => Promise<T>, ok: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls PING as `user` over TCP until PONG; gives up after 10 s. */
async function firstPong(layout: { host: string; port: number }, user?: string, password?: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    try {
      const conn = await client(layout, user, password);
      try {
        if ((await conn.command(["PING"])) === "PONG") return;
      } finally {
        conn.close();
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`no PONG from ${layout.host}:${layout.port} within 10 s`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

describe.skipIf(!existsSync(join(BIN_DIR, "redis-server")))("redis manager", { timeout: 120_000 }, () => {
  let home: string;
  const managers: DatastoreManager[] = [];
  const runAs = serverAccount(["hoard", "redis"]);
  const timings: Record<string, number | number[]> = {};
  const logLines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });

  async function makeLayout(id: string): Promise<InstanceLayout> {
    const root = join(home, "i", id);
    const { host, port } = await freeAddress(6379);
    return {
      instanceId: id,
      root,
      dataDir: join(root, "volume", "data"),
      runDir: join(home, "r", id), // short: the socket path must stay within 107 bytes
      logDir: join(root, "log"),
      host,
      port,
      runAs,
      binDir: BIN_DIR,
      cacheDir: join(home, "cache"),
    };
  }

  function manage(layout: InstanceLayout, extra: RedisManagerOptions = {}): DatastoreManager {
    const manager = createRedisManager(layout, { logger, startTimeoutSeconds: 30, stopTimeoutSeconds: 30, ...extra });
    managers.push(manager);
    return manager;
  }

  const app = { name: "app", password: "app 'pa$$' \\ word", databases: [] };
  const spec: PrepareSpec = { ramMb: 512, vcpus: 2, parameters: {}, allowedCidrs: [], databases: [], users: [app], adminPassword: "admin-Secret-1-xyz" };
  const passwords = new Set<string>([app.password, spec.adminPassword]);
  const remember = (password: string): string => {
    passwords.add(password);
    return password;
  };

  let layout: InstanceLayout;
  let manager: DatastoreManager;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "hoard-redis-"));
    await chmod(home, 0o755); // the server account must be able to walk into it
    layout = await makeLayout("a");
    manager = manage(layout);
  });

  afterAll(async () => {
    for (const m of managers) await m.stop(never).catch(() => {});
    if (home) await rm(home, { recursive: true, force: true });
    console.log("redis timings (ms)", JSON.stringify(timings));
  }, 60_000);

  it("prepares a server whose user can AUTH, SET and GET over TCP", async () => {
    expect(await manager.isPrepared()).toBe(false);
    expect(await manager.probe()).toEqual({ state: "SHUTDOWN" });
    const began = performance.now();
    await manager.prepare(spec, never);
    await firstPong(layout, app.name, app.password);
    timings.firstPrepare = performance.now() - began;

    expect(await as(layout, app.name, app.password, ["SET", "greeting", "hello"], ["GET", "greeting"])).toEqual(["OK", "hello"]);
    expect(await manager.isPrepared()).toBe(true);
    expect(await manager.probe()).toEqual({ state: "HEALTHY" });
    expect(manager.capabilities).toEqual({ databases: false, userHosts: false, grants: false });
  });

  it("refuses a wrong password, and unauthenticated clients get NOAUTH", async () => {
    await expect(client(layout, app.name, "wrong-password")).rejects.toMatchObject({ code: "WRONGPASS" });
    await expect(client(layout, "default", "anything-at-all")).rejects.toMatchObject({ code: "WRONGPASS" });
    const anonymous = await client(layout);
    try {
      await expect(anonymous.command(["GET", "greeting"])).rejects.toMatchObject({ code: "NOAUTH" });
      await expect(anonymous.command(["AUTH", "just-a-password"])).rejects.toMatchObject({ code: "WRONGPASS" });
    } finally {
      anonymous.close();
    }
  });

  it("sizes maxmemory from ramMb, persists with AOF and RDB, and keeps administration from users", async () => {
    const [maxmemory, policy, appendonly, fsync] = await as(
      layout,
      "hoard-admin",
      spec.adminPassword,
      ["CONFIG", "GET", "maxmemory"],
      ["CONFIG", "GET", "maxmemory-policy"],
      ["CONFIG", "GET", "appendonly"],
      ["CONFIG", "GET", "appendfsync"],
    );
    expect(maxmemory).toEqual(["maxmemory", String(384 * 1024 * 1024)]);
    expect(policy).toEqual(["maxmemory-policy", "noeviction"]);
    expect(appendonly).toEqual(["appendonly", "yes"]);
    expect(fsync).toEqual(["appendfsync", "everysec"]);

    const user = await client(layout, app.name, app.password);
    try {
      for (const command of [["CONFIG", "GET", "maxmemory"], ["ACL", "LIST"], ["SHUTDOWN"], ["MONITOR"], ["CLIENT", "LIST"], ["MIGRATE", "10.0.0.1", "6379", "k", "0", "1000"]]) {
        await expect(user.command(command), command.join(" ")).rejects.toMatchObject({ code: "NOPERM" });
      }
      await expect(user.command(["DEBUG", "SLEEP", "0"])).rejects.toThrow(/not allowed/); // disabled for everyone
      // What applications use, @dangerous or not, keeps working.
      expect(await user.command(["KEYS", "*"])).toEqual(["greeting"]);
      expect(String(await user.command(["INFO", "server"]))).toMatch(/redis_version:7/);
      expect(await user.command(["CLIENT", "SETNAME", "my-app"])).toBe("OK");
      expect(await user.command(["ACL", "WHOAMI"])).toBe("app");
      expect(await user.command(["SELECT", "1"])).toBe("OK");
      expect(await user.command(["EVAL", "return redis.call('SET', KEYS[1], ARGV[1])", "1", "scripted", "yes"])).toBe("OK");
    } finally {
      user.close();
    }
  });

  it("keeps its files private to the server's account and the agent", async () => {
    const mode = async (path: string): Promise<{ mode: string; uid: number }> => {
      const info = await stat(path);
      return { mode: (info.mode & 0o777).toString(8), uid: info.uid };
    };
    const serverUid = runAs?.uid ?? process.getuid?.() ?? -1;
    expect(await mode(join(layout.dataDir, "users.acl"))).toEqual({ mode: "600", uid: serverUid });
    expect(await mode(join(layout.dataDir, "redis.conf"))).toEqual({ mode: "600", uid: serverUid });
    expect(await mode(join(layout.dataDir, "hoard-admin.secret"))).toEqual({ mode: "600", uid: process.getuid?.() ?? -1 });
    expect(await mode(layout.runDir)).toEqual({ mode: "700", uid: serverUid });
    expect(await mode(layout.dataDir)).toEqual({ mode: "700", uid: serverUid });
    expect((await mode(join(layout.logDir, "redis.log"))).mode).toBe("600");
  });

  it("creates, renames, re-passwords and deletes users", async () => {
    const bob = { name: "bob", password: remember("bob-password-1"), databases: [] };
    await manager.createUser(bob);
    expect(await as(layout, "bob", bob.password, ["SET", "bob:key", "1"])).toEqual(["OK"]);
    await expect(manager.createUser(bob)).rejects.toBeInstanceOf(DatastoreConflictError);
    await expect(manager.createUser({ ...bob, name: "eve", databases: ["zero"] })).rejects.toBeInstanceOf(DatastoreSpecError);
    await expect(manager.createUser({ ...bob, name: "hoard-admin" })).rejects.toBeInstanceOf(DatastoreSpecError);
    await expect(manager.createUser({ ...bob, name: "default" })).rejects.toBeInstanceOf(DatastoreSpecError);
    await expect(manager.createUser({ ...bob, name: "eve", password: "short" })).rejects.toBeInstanceOf(DatastoreSpecError);
    expect(await manager.listUsers()).toEqual([
      { name: "app", host: "", databases: [] },
      { name: "bob", host: "", databases: [] },
    ]);

    const newPassword = remember("bob-password-2");
    await manager.updateUser("bob", "", { password: newPassword });
    await expect(client(layout, "bob", bob.password)).rejects.toMatchObject({ code: "WRONGPASS" });
    expect(await as(layout, "bob", newPassword, ["GET", "bob:key"])).toEqual(["1"]);

    await manager.updateUser("bob", "", { newName: "carol" });
    await expect(client(layout, "bob", newPassword)).rejects.toMatchObject({ code: "WRONGPASS" });
    expect(await as(layout, "carol", newPassword, ["GET", "bob:key"])).toEqual(["1"]);
    await expect(manager.updateUser("bob", "", { password: newPassword })).rejects.toBeInstanceOf(DatastoreNotFoundError);
    await expect(manager.updateUser("carol", "", { newName: "app" })).rejects.toBeInstanceOf(DatastoreConflictError);
    await expect(manager.updateUser("carol", "", { newHost: "10.0.0.1" })).rejects.toBeInstanceOf(DatastoreSpecError);

    const dave = { name: "dave", password: remember("dave-password-1"), databases: [] };
    await manager.createUser(dave);
    await manager.deleteUser("dave", "");
    await expect(client(layout, "dave", dave.password)).rejects.toMatchObject({ code: "WRONGPASS" });
    await expect(manager.deleteUser("dave", "")).rejects.toBeInstanceOf(DatastoreNotFoundError);
    expect((await manager.listUsers()).map((u) => u.name)).toEqual(["app", "carol"]);
  });

  it("answers database and grant calls with a precondition naming redis", async () => {
    await expect(manager.grantAccess("app", "", ["zero"])).rejects.toBeInstanceOf(DatastorePreconditionError);
    await expect(manager.grantAccess("app", "", ["zero"])).rejects.toThrow(/redis/);
    await expect(manager.revokeAccess("app", "", "zero")).rejects.toThrow(/redis users have no per-database grants/);
    await expect(manager.listDatabases()).rejects.toThrow(/redis has no databases/);
    await expect(manager.createDatabase({ name: "zero" })).rejects.toBeInstanceOf(DatastorePreconditionError);
    await expect(manager.deleteDatabase("zero")).rejects.toBeInstanceOf(DatastorePreconditionError);
  });

  it("enables root as the default user and disables it again", async () => {
    expect(await manager.rootEnabled()).toBe(false);
    const rootPassword = remember("root-Password-42");
    expect(await manager.enableRoot(rootPassword)).toEqual({ name: "default", password: rootPassword });
    expect(await manager.rootEnabled()).toBe(true);
    expect(await as(layout, "default", rootPassword, ["CONFIG", "GET", "maxmemory"])).toEqual([["maxmemory", String(384 * 1024 * 1024)]]);
    // Root cannot touch accounts, so it cannot lock the agent out of the instance.
    await expect(as(layout, "default", rootPassword, ["ACL", "DELUSER", "hoard-admin"])).rejects.toThrow(/NOPERM/);
    await expect(as(layout, "default", rootPassword, ["ACL", "SETUSER", "hoard-admin", "off"])).rejects.toThrow(/NOPERM/);
    const legacy = await client(layout); // AUTH <password>, as pre-ACL clients do
    const rootSession = await client(layout, "default", rootPassword);
    try {
      expect(await legacy.command(["AUTH", rootPassword])).toBe("OK");
      await manager.disableRoot();
      await expect(rootSession.command(["PING"])).rejects.toThrow(); // its clients are disconnected
    } finally {
      legacy.close();
      rootSession.close();
    }
    expect(await manager.rootEnabled()).toBe(false);
    await expect(client(layout, "default", rootPassword)).rejects.toMatchObject({ code: "WRONGPASS" });
    await manager.disableRoot(); // and again: a no-op
    await expect(manager.enableRoot("short")).rejects.toBeInstanceOf(DatastoreSpecError);
  });

  it("reports CRASHED after kill -9 and start() brings data and users back", async () => {
    await as(layout, app.name, app.password, ["SET", "durable", "yes"]);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // appendfsync everysec
    process.kill(await serverPid(layout), "SIGKILL");
    const crashed = await eventually(() => manager.probe(), (h) => h.state === "CRASHED");
    expect(crashed.state).toBe("CRASHED");

    const began = performance.now();
    await manager.start(never);
    timings.startAfterKill = performance.now() - began;
    expect(await manager.probe()).toEqual({ state: "HEALTHY" });
    expect(await as(layout, app.name, app.password, ["GET", "durable"], ["GET", "greeting"])).toEqual(["yes", "hello"]);
    expect(await as(layout, "carol", "bob-password-2", ["GET", "bob:key"])).toEqual(["1"]);
  });

  it("start() on a running server changes nothing; restart() keeps users", async () => {
    const pid = await serverPid(layout);
    await manager.start(never);
    expect(await serverPid(layout)).toBe(pid);
    await manager.restart(never);
    expect(await serverPid(layout)).not.toBe(pid);
    expect(await as(layout, "carol", "bob-password-2", ["GET", "bob:key"])).toEqual(["1"]);
  });

  it("stop() shuts down with a save, the probe says SHUTDOWN and the port refuses", async () => {
    await manager.stop(never);
    expect(await manager.probe()).toEqual({ state: "SHUTDOWN" });
    await expect(client(layout)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(existsSync(join(layout.dataDir, "dump.rdb"))).toBe(true);
    expect(existsSync(join(layout.runDir, "redis.pid"))).toBe(false);
    await manager.stop(never); // and again: a no-op
    await expect(manager.listUsers()).rejects.toBeInstanceOf(DatastorePreconditionError);
  });

  it("a repeated prepare converges: server up, data and users kept, passwords reset, settings applied", async () => {
    await manager.prepare(spec, never);
    await manager.prepare(spec, never);
    expect(await as(layout, app.name, app.password, ["GET", "durable"])).toEqual(["yes"]);
    expect((await manager.listUsers()).map((u) => u.name)).toEqual(["app", "carol"]);

    const again: PrepareSpec = {
      ...spec,
      ramMb: 1024,
      users: [{ ...app, password: remember("app-password-new") }],
      adminPassword: remember("admin-Secret-2-xyz"),
    };
    await manager.prepare(again, never);
    await expect(client(layout, app.name, app.password)).rejects.toMatchObject({ code: "WRONGPASS" });
    expect(await as(layout, app.name, "app-password-new", ["GET", "durable"])).toEqual(["yes"]);
    await expect(client(layout, "hoard-admin", spec.adminPassword)).rejects.toMatchObject({ code: "WRONGPASS" });
    expect(await as(layout, "hoard-admin", again.adminPassword, ["CONFIG", "GET", "maxmemory"])).toEqual([["maxmemory", String(768 * 1024 * 1024)]]);
    expect(await manager.probe()).toEqual({ state: "HEALTHY" });
  });

  it("a fresh manager (agent restart) adopts the running server", async () => {
    const restarted = manage(layout);
    expect(await restarted.probe()).toEqual({ state: "HEALTHY" });
    expect(await restarted.rootEnabled()).toBe(false);
    const pid = await serverPid(layout);
    await restarted.restart(never);
    expect(await serverPid(layout)).not.toBe(pid);
    expect(await restarted.probe()).toEqual({ state: "HEALTHY" });
  });

  it("refuses databases, long socket paths and someone else's data directory", async () => {
    const other = await makeLayout("c");
    await expect(manage(other).prepare({ ...spec, databases: [{ name: "zero" }] }, never)).rejects.toThrow(/redis has no databases/);
    await expect(manage(other).prepare({ ...spec, ramMb: 16 }, never)).rejects.toBeInstanceOf(DatastoreSpecError);
    const long = { ...other, runDir: join(home, "r".repeat(100)) };
    await expect(manage(long).prepare(spec, never)).rejects.toThrow(/unix socket path .* over the 107-byte limit/);
    await mkdir(other.dataDir, { recursive: true });
    execFileSync("touch", [join(other.dataDir, "somebody-elses-file")]);
    await expect(manage(other).prepare(spec, never)).rejects.toBeInstanceOf(DatastorePreconditionError);
    await expect(manager.start(AbortSignal.abort())).rejects.toThrow(/abort/i);
  });

  it("starts over after a prepare cut short before its marker", async () => {
    const cut = await makeLayout("d");
    const m = manage(cut);
    await m.prepare(spec, never);
    await as(cut, app.name, app.password, ["SET", "half-way", "1"]);
    await rm(join(cut.dataDir, "hoard-prepared.json")); // the agent died before writing it
    expect(await m.isPrepared()).toBe(false);
    const other = { name: "other", password: remember("other-password-1"), databases: [] };
    await m.prepare({ ...spec, users: [other] }, never);
    expect(await m.isPrepared()).toBe(true);
    expect(await as(cut, "other", other.password, ["GET", "half-way"])).toEqual([null]);
    await expect(client(cut, app.name, app.password)).rejects.toMatchObject({ code: "WRONGPASS" });
    await m.stop(never);
  });

  // Timings are printed for the record only; speed is judged by bench/provision, never by a test.
  it("measures prepare against a bare redis-server, median of 3", async () => {
    const prepares: number[] = [];
    const bare: number[] = [];
    const bareAof: number[] = []; // the same, with appendonly yes: Redis fsyncs its first AOF files on start
    for (let i = 0; i < 3; i++) {
      const fresh = await makeLayout(`t${i}`);
      const m = manage(fresh);
      const began = performance.now();
      await m.prepare(spec, never);
      await firstPong(fresh, app.name, app.password);
      prepares.push(performance.now() - began);
      await m.stop(never);
      bare.push(await bareRedisServer(home, `b${i}`, runAs, []));
      bareAof.push(await bareRedisServer(home, `f${i}`, runAs, ["--appendonly", "yes"]));
    }
    timings.prepareToFirstPong = prepares.map(Math.round);
    timings.bareServerToFirstPong = bare.map(Math.round);
    timings.bareAofServerToFirstPong = bareAof.map(Math.round);
    timings.prepareMedian = Math.round(median(prepares));
    timings.bareMedian = Math.round(median(bare));
    timings.bareAofMedian = Math.round(median(bareAof));
  });

  describe("configuration", () => {
    let cfg: InstanceLayout;
    let m: DatastoreManager;
    const settings = (changes: Partial<ServerSettings> = {}): ServerSettings => ({ ramMb: 512, vcpus: 2, parameters: {}, allowedCidrs: [], ...changes });
    /** CONFIG GET as the agent's user over TCP, as the server reports it. */
    const live = async (target: InstanceLayout, ...names: string[]): Promise<Record<string, string>> => {
      const [reply] = await as(target, "hoard-admin", spec.adminPassword, ["CONFIG", "GET", ...names]);
      const values = (reply as string[]) ?? [];
      return Object.fromEntries(names.map((name) => [name, values[values.indexOf(name) + 1] ?? "?"]));
    };

    beforeAll(async () => {
      cfg = await makeLayout("cfg");
      m = manage(cfg);
      await m.prepare({ ...spec, parameters: { hz: "15" } }, never);
    });

    it("prepare applies the spec's parameters", async () => {
      expect(await live(cfg, "hz", "maxmemory-policy")).toEqual({ hz: "15", "maxmemory-policy": "noeviction" });
    });

    it("applies dynamic parameters live, on the same server, without a restart", async () => {
      const pid = await serverPid(cfg);
      const result = await m.configure(settings({ parameters: { hz: "20", "maxmemory-policy": "allkeys-lru" } }), never);
      expect(result).toEqual({ restartRequired: false });
      expect(await live(cfg, "hz", "maxmemory-policy")).toEqual({ hz: "20", "maxmemory-policy": "allkeys-lru" });
      expect(await serverPid(cfg)).toBe(pid);
      expect(await m.probe()).toEqual({ state: "HEALTHY" });
      expect(await m.effectiveParameters(["hz", "maxmemory-policy", "no-such-parameter", "*"])).toEqual({ hz: "20", "maxmemory-policy": "allkeys-lru" });
      await m.restart(never); // and redis.conf holds them
      expect(await live(cfg, "hz", "maxmemory-policy")).toEqual({ hz: "20", "maxmemory-policy": "allkeys-lru" });
    });

    it("returns a removed parameter to its default: Redis's own, or Hoard's derived one", async () => {
      const pid = await serverPid(cfg);
      expect(await m.configure(settings(), never)).toEqual({ restartRequired: false });
      expect(await live(cfg, "hz", "maxmemory-policy")).toEqual({ hz: "10", "maxmemory-policy": "noeviction" });
      expect(await serverPid(cfg)).toBe(pid);
    });

    it("keeps a restart-only parameter for the next start and says so until then", async () => {
      expect(await m.configure(settings({ parameters: { databases: "32" } }), never)).toEqual({ restartRequired: true });
      expect(await live(cfg, "databases")).toEqual({ databases: "16" });
      expect(await m.probe()).toEqual({ state: "HEALTHY", restartPending: true });
      expect(await manage(cfg).probe()).toEqual({ state: "HEALTHY", restartPending: true }); // an agent restarted meanwhile asks the server
      expect(await m.configure(settings({ parameters: { databases: "32", hz: "25" } }), never)).toEqual({ restartRequired: true });
      await m.restart(never);
      expect(await live(cfg, "databases", "hz")).toEqual({ databases: "32", hz: "25" });
      expect(await m.probe()).toEqual({ state: "HEALTHY" });
      // Taking it away again is a change a restart makes too.
      expect(await m.configure(settings(), never)).toEqual({ restartRequired: true });
      await m.restart(never);
      expect(await live(cfg, "databases")).toEqual({ databases: "16" });
      expect(await m.configure(settings(), never)).toEqual({ restartRequired: false });
    });

    it("resizes: maxmemory follows ramMb live, io-threads follow vcpus at the restart", async () => {
      expect(await m.configure(settings({ ramMb: 1024, vcpus: 4 }), never)).toEqual({ restartRequired: true });
      expect(await live(cfg, "maxmemory", "io-threads")).toEqual({ maxmemory: String(768 * 1024 * 1024), "io-threads": "1" });
      await m.restart(never);
      expect(await live(cfg, "maxmemory", "io-threads")).toEqual({ maxmemory: String(768 * 1024 * 1024), "io-threads": "2" });
      expect(await m.configure(settings({ ramMb: 512, parameters: { maxmemory: String(100 * 1024 * 1024) } }), never)).toEqual({ restartRequired: true });
      expect(await live(cfg, "maxmemory")).toEqual({ maxmemory: String(100 * 1024 * 1024) }); // the parameter wins over the flavor
      await m.restart(never);
    });

    it("with the server stopped, writes redis.conf for the next start only", async () => {
      await m.stop(never);
      expect(await m.configure(settings({ parameters: { hz: "30" } }), never)).toEqual({ restartRequired: false });
      await expect(m.effectiveParameters(["hz"])).rejects.toBeInstanceOf(DatastorePreconditionError);
      await m.start(never);
      expect(await live(cfg, "hz")).toEqual({ hz: "30" });
      expect(await m.probe()).toEqual({ state: "HEALTHY" });
    });

    it("refuses what it cannot apply, and changes nothing then", async () => {
      const before = await readFile(join(cfg.dataDir, "redis.conf"), "utf8");
      await expect(m.configure(settings({ parameters: { port: "1" } }), never)).rejects.toThrow(/managed by Hoard/);
      await expect(m.configure(settings({ parameters: { "no-such-parameter": "1" } }), never)).rejects.toBeInstanceOf(DatastoreSpecError);
      await expect(m.configure(settings({ parameters: { hz: "30", "maxmemory-policy": "no-such-policy" } }), never)).rejects.toBeInstanceOf(DatastoreSpecError);
      await expect(m.configure(settings({ ramMb: 16 }), never)).rejects.toBeInstanceOf(DatastoreSpecError);
      await expect(m.configure(settings({ allowedCidrs: ["10.0.0.1/8"] }), never)).rejects.toThrow(/host bits/);
      expect(await readFile(join(cfg.dataDir, "redis.conf"), "utf8")).toBe(before);
      expect(await live(cfg, "hz", "maxmemory-policy")).toEqual({ hz: "30", "maxmemory-policy": "noeviction" });
      await expect(manage(await makeLayout("unprepared")).configure(settings(), never)).rejects.toBeInstanceOf(DatastorePreconditionError);
    });

    it("keeps the state file free of passwords", async () => {
      const state = await readFile(join(cfg.dataDir, "hoard-state.json"), "utf8");
      for (const password of passwords) expect(state.includes(password)).toBe(false);
      expect(JSON.parse(state)).toMatchObject({ settings: { parameters: { hz: "30" } } });
    });

    it("slow log: switched on and off live, read as lines, followed with a cursor, kept across restarts", async () => {
      await m.configure(settings({ parameters: { "slowlog-log-slower-than": "0" } }), never);
      const names = (await m.logs.listLogs()).map((log) => [log.name, log.type, log.enabled]);
      expect(names).toEqual([["error", "SYS", true], ["slow", "USER", true]]);

      expect(await m.logs.setLogEnabled("slow", false, never)).toMatchObject({ name: "slow", enabled: false });
      expect(await live(cfg, "slowlog-log-slower-than")).toEqual({ "slowlog-log-slower-than": "-1" });
      expect(await m.logs.setLogEnabled("slow", true, never)).toMatchObject({ name: "slow", enabled: true });
      expect(await live(cfg, "slowlog-log-slower-than")).toEqual({ "slowlog-log-slower-than": "0" }); // the parameter's threshold

      await as(cfg, app.name, app.password, ["SET", "first-slow-key", "a b"]);
      const first = await m.logs.readLog("slow", { lines: 50, maxBytes: 65536 });
      expect(first.text).toMatch(/^\S+Z \d+ \d+ µs \S+ SET first-slow-key "a b"$/m);
      await as(cfg, app.name, app.password, ["SET", "second-slow-key", "1"]);
      const second = await m.logs.readLog("slow", { cursor: first.cursor, maxBytes: 65536 });
      expect(second.text).toMatch(/SET second-slow-key 1/);
      expect(second.text).not.toMatch(/first-slow-key/);
      const third = await m.logs.readLog("slow", { cursor: second.cursor, maxBytes: 65536 });
      expect(third.text).not.toMatch(/slow-key/);
      const small = await m.logs.readLog("slow", { lines: 50, maxBytes: 200 });
      expect(Buffer.byteLength(small.text)).toBeLessThanOrEqual(200);

      // Off survives a configure and a restart.
      await m.logs.setLogEnabled("slow", false, never);
      await m.configure(settings({ parameters: { "slowlog-log-slower-than": "0" } }), never);
      await m.restart(never);
      expect(await live(cfg, "slowlog-log-slower-than")).toEqual({ "slowlog-log-slower-than": "-1" });
      expect((await m.logs.listLogs()).find((log) => log.name === "slow")?.enabled).toBe(false);
      await m.logs.setLogEnabled("slow", true, never);

      await expect(m.logs.readLog("general", { lines: 5, maxBytes: 1024 })).rejects.toBeInstanceOf(DatastoreNotFoundError);
      await expect(m.logs.setLogEnabled("general", true, never)).rejects.toBeInstanceOf(DatastoreNotFoundError);
      await expect(m.logs.setLogEnabled("error", false, never)).rejects.toBeInstanceOf(DatastorePreconditionError);
      await expect(m.logs.readLog("slow", { cursor: "garbage", maxBytes: 1024 })).rejects.toBeInstanceOf(DatastoreSpecError);
    });

    it("error log: the last lines, then only what follows the cursor, across a rotation", async () => {
      const tail = await m.logs.readLog("error", { lines: 3, maxBytes: 65536 });
      expect(tail.text.trimEnd().split("\n")).toHaveLength(3);
      expect((await m.logs.listLogs()).find((log) => log.name === "error")?.sizeBytes).toBeGreaterThan(0);
      const rotating = manage(cfg, { logCaps: { fileBytes: 1 } });
      await rotating.logs.rotate();
      const rotated = (await readdir(cfg.logDir)).filter((name) => /^redis\.log\.\d{4}-/.test(name));
      expect(rotated).toHaveLength(1);
      await as(cfg, "hoard-admin", spec.adminPassword, ["BGSAVE"]);
      const after = await eventually(
        () => m.logs.readLog("error", { cursor: tail.cursor, maxBytes: 65536 }),
        (chunk) => /Background saving terminated/.test(chunk.text),
      );
      expect(after.text).toMatch(/Background saving started/);
      expect(after.text).not.toContain(tail.text.trimEnd().split("\n")[0]);
      expect(existsSync(join(cfg.logDir, "redis.log"))).toBe(true); // Redis started a new file itself
      const again = await m.logs.readLog("error", { cursor: after.cursor, maxBytes: 65536 });
      expect(again.text).toBe("");
      await rotating.logs.rotate(); // a second rotation, a distinct name
      expect((await readdir(cfg.logDir)).filter((name) => /^redis\.log\.\d{4}-/.test(name))).toHaveLength(2);
      await as(cfg, "hoard-admin", spec.adminPassword, ["BGSAVE"]);
      await eventually(async () => existsSync(join(cfg.logDir, "redis.log")), Boolean);
      await manage(cfg, { logCaps: { totalBytes: 1 } }).logs.rotate(); // over the total: old files go, the live one stays
      expect((await readdir(cfg.logDir)).filter((name) => /^redis\.log\./.test(name))).toEqual([]);
      expect(existsSync(join(cfg.logDir, "redis.log"))).toBe(true);
    });
  });

  describe.skipIf(!nftUsable())("client addresses (nftables)", () => {
    const tables: string[] = [];
    afterAll(() => {
      for (const table of tables) spawnSync("nft", ["delete", "table", "inet", table], { env: SBIN_ENV, stdio: "ignore" });
    });

    it("allowedCidrs refuses clients from elsewhere, at prepare, configure and after a lost table", async () => {
      const id = `fw${Date.now().toString(16)}`;
      tables.push(nftTableName(id));
      const fw = { ...(await makeLayout("fw")), instanceId: id };
      const m = manage(fw);
      await m.prepare({ ...spec, allowedCidrs: ["10.0.0.0/8", "fd00::/8"] }, never);
      const refused = { code: "ECONNREFUSED" };
      await expect(client(fw)).rejects.toMatchObject(refused); // loopback clients come from 127/8
      expect(await m.probe()).toEqual({ state: "HEALTHY" }); // the agent's unix socket is not fenced
      expect(nft("list", "table", "inet", nftTableName(id))).toMatch(/reject with tcp reset/);

      expect(await m.configure({ ramMb: 512, vcpus: 2, parameters: {}, allowedCidrs: [] }, never)).toEqual({ restartRequired: false });
      await firstPong(fw, app.name, app.password);
      expect(() => nft("list", "table", "inet", nftTableName(id))).toThrow();

      await m.configure({ ramMb: 512, vcpus: 2, parameters: {}, allowedCidrs: ["127.0.0.0/8"] }, never);
      await firstPong(fw, app.name, app.password);
      await m.configure({ ramMb: 512, vcpus: 2, parameters: {}, allowedCidrs: ["10.0.0.0/8"] }, never);
      await expect(client(fw)).rejects.toMatchObject(refused);

      nft("delete", "table", "inet", nftTableName(id)); // a host reboot forgets the table
      await m.restart(never);
      await expect(client(fw)).rejects.toMatchObject(refused);

      const noNft = manage(fw, { nft: "/nonexistent/nft" });
      await expect(noNft.configure({ ramMb: 512, vcpus: 2, parameters: {}, allowedCidrs: ["10.0.0.0/8"] }, never)).rejects.toThrow(
        /Redis cannot restrict client addresses here/,
      );
      await expect(noNft.configure({ ramMb: 512, vcpus: 2, parameters: {}, allowedCidrs: ["10.0.0.0/8"] }, never)).rejects.toBeInstanceOf(
        DatastorePreconditionError,
      );
      await m.configure({ ramMb: 512, vcpus: 2, parameters: {}, allowedCidrs: [] }, never);
      await firstPong(fw, app.name, app.password);
      await m.stop(never);
    });
  });

  it("never lets a password reach argv, the server's logs or the agent's log", async () => {
    const pid = await serverPid(layout);
    const argv = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " ");
    const files = await Promise.all(
      [join(layout.logDir, "redis.log"), join(layout.logDir, "redis-startup.log"), join(layout.dataDir, "users.acl"), join(layout.dataDir, "redis.conf")].map(
        (path) => readFile(path, "utf8").catch(() => ""),
      ),
    );
    const agentLog = logLines.join("");
    expect(agentLog).toMatch(/redis prepared/);
    for (const password of passwords) {
      for (const [where, text] of [["argv", argv], ["agent log", agentLog], ...files.map((text, i) => [`file ${i}`, text])] as const) {
        expect(text.includes(password), `${where} holds a password`).toBe(false);
      }
    }
  });
});

/** The baseline: redis-server as the same account with default settings (plus `extra`), until PING answers over TCP. */
async function bareRedisServer(home: string, id: string, runAs: InstanceLayout["runAs"], extra: string[]): Promise<number> {
  const { host, port } = await freeAddress(6379);
  const dir = join(home, "bare", id);
  await mkdir(join(home, "bare"), { recursive: true, mode: 0o755 });
  await mkdir(dir, { mode: 0o700 });
  if (runAs) execFileSync("chown", [`${runAs.uid}:${runAs.gid}`, dir]);
  const began = performance.now();
  const child = spawn(join(BIN_DIR, "redis-server"), ["--bind", host, "--port", String(port), "--dir", dir, "--logfile", join(dir, "log"), ...extra], {
    cwd: "/",
    stdio: "ignore",
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
  try {
    await firstPong({ host, port });
    return performance.now() - began;
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
}
