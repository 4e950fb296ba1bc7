// The PostgreSQL manager against the real PostgreSQL 15 binaries: instances on their own loopback
// addresses under a temp dir, checked the way a database user would see them.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatastoreManager, InstanceLayout, PrepareSpec } from "../../agent/src/datastores/manager.js";
import { createPostgresqlManager } from "../../agent/src/datastores/postgresql/index.js";

const BIN_DIR = process.env.HOARD_PG_BIN_DIR ?? "/usr/lib/postgresql/15/bin";
const never = new AbortController().signal;

/** PostgreSQL refuses root, so as root the servers run as the postgres system account. */
function serverAccount(): InstanceLayout["runAs"] {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g"), user: "postgres" };
}

const usedHosts = new Set<string>();
/** A loopback address of its own, and 5432 on it when free (else any free port). */
async function freeAddress(): Promise<{ host: string; port: number }> {
  let host: string;
  do host = `127.0.0.${100 + Math.floor(Math.random() * 151)}`;
  while (usedHosts.has(host));
  usedHosts.add(host);
  for (const port of [5432, 0]) {
    const found = await new Promise<number | undefined>((resolve) => {
      const server = net.createServer();
      server.once("error", () => resolve(undefined));
      server.listen({ host, port }, () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : undefined));
      });
    });
    if (found) return { host, port: found };
  }
  throw new Error(`no free port on ${host}`);
}

function connect(layout: InstanceLayout, user: string, password: string, database: string): Promise<pg.Client> {
  const client = new pg.Client({ host: layout.host, port: layout.port, user, password, database, connectionTimeoutMillis: 5_000 });
  client.on("error", () => {});
  return client.connect().then(
    () => client,
    async (err: unknown) => {
      await client.end().catch(() => {});
      throw err;
    },
  );
}

async function query<T>(layout: InstanceLayout, user: string, password: string, database: string, sql: string): Promise<T[]> {
  const client = await connect(layout, user, password, database);
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function postmasterPid(layout: InstanceLayout): Promise<number> {
  return Number((await readFile(join(layout.dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
}

async function eventually<T>(fn: () => Promise<T>, ok: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!existsSync(join(BIN_DIR, "initdb")))("postgresql manager", { timeout: 120_000 }, () => {
  let home: string;
  const managers: DatastoreManager[] = [];
  const runAs = serverAccount();
  const timings: Record<string, number> = {};

  async function makeLayout(id: string): Promise<InstanceLayout> {
    const root = join(home, "i", id);
    const { host, port } = await freeAddress();
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

  function manage(layout: InstanceLayout): DatastoreManager {
    const manager = createPostgresqlManager(layout, { startTimeoutSeconds: 60, stopTimeoutSeconds: 30 });
    managers.push(manager);
    return manager;
  }

  const spec: PrepareSpec = {
    ramMb: 512,
    vcpus: 2,
    databases: [{ name: "shop" }],
    users: [{ name: "alice", password: "s3cret 'quoted' \\ pass", databases: ["shop"] }],
    adminPassword: "admin-Secret-1",
  };

  let layout: InstanceLayout;
  let manager: DatastoreManager;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "hoard-pg-"));
    await chmod(home, 0o755); // the server account must be able to walk into it
    layout = await makeLayout("a");
    manager = manage(layout);
  });

  afterAll(async () => {
    for (const m of managers) await m.stop(never).catch(() => {});
    if (home) await rm(home, { recursive: true, force: true });
    console.log("prepare timings (ms)", timings);
  }, 60_000);

  it("prepares a server whose user reaches its database over TCP", async () => {
    expect(await manager.isPrepared()).toBe(false);
    expect(await manager.probe()).toEqual({ state: "SHUTDOWN" });
    const began = performance.now();
    await manager.prepare(spec, never);
    const rows = await query<{ db: string }>(layout, "alice", spec.users[0]!.password, "shop", "SELECT current_database() AS db");
    timings.coldTemplate = performance.now() - began;
    expect(rows).toEqual([{ db: "shop" }]);
    expect(await manager.isPrepared()).toBe(true);
    expect(await manager.probe()).toEqual({ state: "HEALTHY" });
  });

  it("refuses a wrong password and the superuser over TCP", async () => {
    await expect(connect(layout, "alice", "wrong", "shop")).rejects.toThrow(/password authentication failed/);
    await expect(connect(layout, "postgres", spec.adminPassword, "postgres")).rejects.toThrow(/pg_hba\.conf rejects/);
  });

  it("lets the user create tables in schema public and sizes memory from ramMb", async () => {
    const alice = await connect(layout, "alice", spec.users[0]!.password, "shop");
    try {
      await alice.query("CREATE TABLE orders (id int PRIMARY KEY, item text)");
      await alice.query("INSERT INTO orders VALUES (1, 'kettle')");
      expect((await alice.query("SHOW shared_buffers")).rows).toEqual([{ shared_buffers: "128MB" }]);
      expect((await alice.query("SHOW effective_cache_size")).rows).toEqual([{ effective_cache_size: "384MB" }]);
      expect((await alice.query("SHOW max_connections")).rows).toEqual([{ max_connections: "50" }]);
      expect((await alice.query("SHOW password_encryption")).rows).toEqual([{ password_encryption: "scram-sha-256" }]);
    } finally {
      await alice.end();
    }
    expect(await manager.volumeUsedBytes()).toBeGreaterThan(20 * 1024 * 1024);
  });

  it("reports CRASHED after kill -9 and start() brings the data back", async () => {
    const pid = await postmasterPid(layout);
    process.kill(pid, "SIGKILL");
    const crashed = await eventually(() => manager.probe(), (h) => h.state === "CRASHED");
    expect(crashed.state).toBe("CRASHED");

    await manager.start(never);
    expect(await manager.probe()).toEqual({ state: "HEALTHY" });
    const rows = await query<{ item: string }>(layout, "alice", spec.users[0]!.password, "shop", "SELECT item FROM orders");
    expect(rows).toEqual([{ item: "kettle" }]);
  });

  it("start() on a running server changes nothing", async () => {
    const pid = await postmasterPid(layout);
    await manager.start(never);
    expect(await postmasterPid(layout)).toBe(pid);
  });

  it("stop() makes the probe say SHUTDOWN and the port refuse connections", async () => {
    await manager.stop(never);
    expect(await manager.probe()).toEqual({ state: "SHUTDOWN" });
    await expect(connect(layout, "alice", spec.users[0]!.password, "shop")).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await manager.stop(never); // and again: a no-op
  });

  it("a repeated prepare converges: server up, data kept, passwords reset", async () => {
    const again: PrepareSpec = {
      ...spec,
      databases: [...spec.databases, { name: "reports", characterSet: "UTF8", collation: "C" }],
      users: [{ ...spec.users[0]!, password: "new-password", databases: ["shop", "reports"] }],
    };
    await manager.prepare(again, never);
    await manager.prepare(again, never);
    const rows = await query<{ item: string }>(layout, "alice", "new-password", "shop", "SELECT item FROM orders");
    expect(rows).toEqual([{ item: "kettle" }]);
    expect(await query(layout, "alice", "new-password", "reports", "SELECT 1 AS one")).toEqual([{ one: 1 }]);
    await expect(connect(layout, "alice", spec.users[0]!.password, "shop")).rejects.toThrow(/password authentication failed/);
  });

  it("a fresh manager (agent restart) adopts the running server and restarts it", async () => {
    const restarted = manage(layout);
    expect(await restarted.probe()).toEqual({ state: "HEALTHY" });
    const pid = await postmasterPid(layout);
    await restarted.restart(never);
    expect(await postmasterPid(layout)).not.toBe(pid);
    expect(await restarted.probe()).toEqual({ state: "HEALTHY" });
  });

  // Timings are printed for the record only; speed is judged by bench/provision, never by a test.
  it("prepares a second instance from the warm template", async () => {
    const warmLayout = await makeLayout("b");
    const warm = manage(warmLayout);
    const began = performance.now();
    await warm.prepare(spec, never);
    await query(warmLayout, "alice", spec.users[0]!.password, "shop", "SELECT 1");
    timings.warmTemplate = performance.now() - began;

    timings.initdbAndStart = await freshInitdbAndStart(home, runAs);
  });

  it("refuses a layout whose socket path is too long, and an aborted start", async () => {
    const long = { ...(await makeLayout("c")), runDir: join(home, "r".repeat(100)) };
    await expect(manage(long).prepare(spec, never)).rejects.toThrow(/unix socket path .* over the 107-byte limit/);
    await expect(manager.start(AbortSignal.abort())).rejects.toThrow(/abort/i);
  });
});

/** The baseline: a fresh initdb and pg_ctl start -w, until a first query answers. */
async function freshInitdbAndStart(home: string, runAs: InstanceLayout["runAs"]): Promise<number> {
  const { host, port } = await freeAddress();
  const dataDir = join(home, "baseline", "data");
  const runDir = join(home, "r", "base");
  await mkdir(join(home, "baseline"), { recursive: true });
  await mkdir(dataDir, { mode: 0o700 });
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  const as = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
  if (runAs) execFileSync("chown", [`${runAs.uid}:${runAs.gid}`, dataDir, runDir]);
  const run = (file: string, args: string[]): void => void execFileSync(join(BIN_DIR, file), args, { ...as, cwd: "/", stdio: "ignore" });
  const began = performance.now();
  run("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions"]);
  const options = `-c listen_addresses=${host} -c port=${port} -c unix_socket_directories=${runDir}`;
  run("pg_ctl", ["start", "-D", dataDir, "-w", "-t", "60", "-l", join(dataDir, "startup.log"), "-o", options]);
  try {
    const client = new pg.Client({ host, port, user: "postgres", database: "postgres" });
    await client.connect();
    await client.query("SELECT 1");
    const elapsed = performance.now() - began;
    await client.end();
    return elapsed;
  } finally {
    run("pg_ctl", ["stop", "-D", dataDir, "-m", "immediate", "-w"]);
  }
}
