// The PostgreSQL manager against the real PostgreSQL 15 binaries: instances on their own loopback
// addresses under a temp dir, checked the way a database user would see them.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeAddress, serverAccount } from "./fixtures.js";
import type { DatastoreManager, InstanceLayout, PrepareSpec, ServerSettings } from "../../agent/src/datastores/manager.js";
import {
  createPostgresqlManager,
  DatastoreConflictError,
  DatastoreNotFoundError,
  DatastorePreconditionError,
  DatastoreSpecError,
} from "../../agent/src/datastores/postgresql/index.js";

const BIN_DIR = process.env.HOARD_PG_BIN_DIR ?? "/usr/lib/postgresql/15/bin";
const never = new AbortController().signal;



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
  const runAs = serverAccount(["postgres"]);
  const timings: Record<string, number> = {};

  async function makeLayout(id: string): Promise<InstanceLayout> {
    const root = join(home, "i", id);
    const { host, port } = await freeAddress(5432);
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

  function manage(layout: InstanceLayout, logCapBytes?: number): DatastoreManager {
    const manager = createPostgresqlManager(layout, { startTimeoutSeconds: 60, stopTimeoutSeconds: 30, logCapBytes });
    managers.push(manager);
    return manager;
  }

  const spec: PrepareSpec = {
    ramMb: 512,
    vcpus: 2,
    parameters: {},
    allowedCidrs: [],
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
    expect(await manager.probe()).toEqual({ state: "HEALTHY", restartPending: false });
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
    expect(await manager.probe()).toEqual({ state: "HEALTHY", restartPending: false });
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
    expect(await restarted.probe()).toEqual({ state: "HEALTHY", restartPending: false });
    const pid = await postmasterPid(layout);
    await restarted.restart(never);
    expect(await postmasterPid(layout)).not.toBe(pid);
    expect(await restarted.probe()).toEqual({ state: "HEALTHY", restartPending: false });
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

  // Databases, users, grants and root, as the users of an instance see them over TCP.
  describe("administration", () => {
    let admin: DatastoreManager;
    let at: InstanceLayout;
    const bobPassword = "bob's 'pass' \\ word";
    const login = (user: string, password: string, database: string): Promise<pg.Client> => connect(at, user, password, database);
    const run = async <T>(user: string, password: string, database: string, sql: string): Promise<T[]> =>
      query<T>(at, user, password, database, sql);

    beforeAll(async () => {
      at = await makeLayout("adm");
      admin = manage(at);
      await admin.prepare(spec, never);
    });

    it("declares what it offers", () => {
      expect(admin.capabilities).toEqual({ databases: true, userHosts: false, grants: true });
    });

    it("creates a database and a user who connects to it over TCP", async () => {
      await admin.createDatabase({ name: "inventory" });
      await admin.createUser({ name: "bob", password: bobPassword, databases: ["inventory"] });
      await run("bob", bobPassword, "inventory", "CREATE TABLE parts (id int PRIMARY KEY, name text)");
      await run("bob", bobPassword, "inventory", "INSERT INTO parts VALUES (1, 'bolt')");
      expect(await admin.listDatabases()).toEqual([
        { name: "inventory", characterSet: "UTF8", collation: "C.UTF-8" },
        { name: "shop", characterSet: "UTF8", collation: "C.UTF-8" },
      ]);
      expect(await admin.listUsers()).toEqual([
        { name: "alice", host: "", databases: ["shop"] },
        { name: "bob", host: "", databases: ["inventory"] },
      ]);
      // Closed to PUBLIC: a user of another database cannot even connect.
      await expect(login("alice", spec.users[0]!.password, "inventory")).rejects.toThrow(/permission denied for database "inventory"/);
    });

    it("creates databases with a character set or collation, and names a bad one", async () => {
      await admin.createDatabase({ name: "legacy", characterSet: "LATIN1" });
      await admin.createDatabase({ name: "sorted", characterSet: "UTF8", collation: "C" });
      const listed = await admin.listDatabases();
      expect(listed).toContainEqual({ name: "legacy", characterSet: "LATIN1", collation: "C" });
      expect(listed).toContainEqual({ name: "sorted", characterSet: "UTF8", collation: "C" });
      await expect(admin.createDatabase({ name: "x1", characterSet: "utf8mb4" })).rejects.toThrow(DatastoreSpecError);
      await expect(admin.createDatabase({ name: "x1", characterSet: "utf8mb4" })).rejects.toThrow(/"utf8mb4"/);
      await expect(admin.createDatabase({ name: "x2", collation: "xx_YY.UTF-8" })).rejects.toThrow(/collation "xx_YY.UTF-8"/);
      await expect(admin.createDatabase({ name: "x3", characterSet: "LATIN1", collation: "C.UTF-8" })).rejects.toThrow(DatastoreSpecError);
      await expect(admin.createDatabase({ name: "inventory" })).rejects.toThrow(DatastoreConflictError);
      expect((await admin.listDatabases()).map((d) => d.name)).toEqual(["inventory", "legacy", "shop", "sorted"]);
    });

    it("shares what a database's users create there", async () => {
      await admin.grantAccess("alice", "", ["inventory"]);
      expect(await run("alice", spec.users[0]!.password, "inventory", "SELECT name FROM parts")).toEqual([{ name: "bolt" }]);
      await run("alice", spec.users[0]!.password, "inventory", "CREATE TABLE bins (id int)");
      expect(await run("bob", bobPassword, "inventory", "SELECT count(*)::int AS n FROM bins")).toEqual([{ n: 0 }]);
      await admin.revokeAccess("alice", "", "inventory");
    });

    it("revoke denies the next connection and ends open sessions; grant lets the user back in", async () => {
      const open = await login("bob", bobPassword, "inventory");
      const ended = new Promise((resolve) => open.once("error", resolve));
      await admin.revokeAccess("bob", "", "inventory");
      await expect(login("bob", bobPassword, "inventory")).rejects.toThrow(/permission denied for database "inventory"/);
      await ended;
      await open.end().catch(() => {});
      expect(await admin.listUsers()).toContainEqual({ name: "bob", host: "", databases: [] });

      await admin.grantAccess("bob", "", ["inventory"]);
      expect(await run("bob", bobPassword, "inventory", "SELECT name FROM parts")).toEqual([{ name: "bolt" }]);
      await admin.revokeAccess("bob", "", "inventory"); // revoking twice is fine
      await admin.revokeAccess("bob", "", "inventory");
      await admin.grantAccess("bob", "", ["inventory"]);
    });

    it("grants nothing when one database is missing", async () => {
      await expect(admin.grantAccess("bob", "", ["shop", "nowhere"])).rejects.toThrow(DatastoreNotFoundError);
      await expect(admin.grantAccess("bob", "", ["shop", "nowhere"])).rejects.toThrow(/database "nowhere" does not exist/);
      await expect(login("bob", bobPassword, "shop")).rejects.toThrow(/permission denied for database "shop"/);
      expect(await admin.listUsers()).toContainEqual({ name: "bob", host: "", databases: ["inventory"] });
      await expect(admin.grantAccess("nobody", "", ["shop"])).rejects.toThrow(/user "nobody" does not exist/);
      await expect(admin.revokeAccess("bob", "", "nowhere")).rejects.toThrow(DatastoreNotFoundError);
    });

    it("refuses a duplicate user, and creates nothing when a database is missing", async () => {
      await expect(admin.createUser({ name: "bob", password: "other-pass", databases: [] })).rejects.toThrow(DatastoreConflictError);
      await expect(admin.createUser({ name: "carol", password: "carol-pass", databases: ["inventory", "nowhere"] })).rejects.toThrow(
        DatastoreNotFoundError,
      );
      expect((await admin.listUsers()).map((u) => u.name)).toEqual(["alice", "bob"]);
      await expect(login("carol", "carol-pass", "inventory")).rejects.toThrow(/password authentication failed/);
    });

    it("renames a user and changes its password", async () => {
      await admin.updateUser("bob", "", { newName: "robert", password: "robert-pass" });
      expect(await run("robert", "robert-pass", "inventory", "SELECT current_user AS who")).toEqual([{ who: "robert" }]);
      await expect(login("bob", bobPassword, "inventory")).rejects.toThrow(/password authentication failed/);
      await admin.updateUser("robert", "", { newName: "bob" }); // the password survives a rename
      expect(await run("bob", "robert-pass", "inventory", "SELECT name FROM parts")).toEqual([{ name: "bolt" }]);
      expect(await admin.listUsers()).toContainEqual({ name: "bob", host: "", databases: ["inventory"] });
      await expect(admin.updateUser("bob", "", { newName: "alice" })).rejects.toThrow(DatastoreConflictError);
      await expect(admin.updateUser("bob", "", { newHost: "10.0.0.1" })).rejects.toThrow(/postgresql users have no host/);
      await expect(admin.updateUser("nobody", "", { password: "whatever" })).rejects.toThrow(DatastoreNotFoundError);
    });

    it("deletes a user: its login fails, what it created stays for the others", async () => {
      await admin.grantAccess("alice", "", ["inventory"]);
      await admin.deleteUser("bob", "");
      await expect(login("bob", "robert-pass", "inventory")).rejects.toThrow(/password authentication failed/);
      expect(await run("alice", spec.users[0]!.password, "inventory", "SELECT name FROM parts")).toEqual([{ name: "bolt" }]);
      expect((await admin.listUsers()).map((u) => u.name)).toEqual(["alice"]);
      await expect(admin.deleteUser("bob", "")).rejects.toThrow(DatastoreNotFoundError);
    });

    it("drops a database even while someone is connected to it", async () => {
      const open = await login("alice", spec.users[0]!.password, "inventory");
      open.on("error", () => {});
      await admin.deleteDatabase("inventory");
      await open.end().catch(() => {});
      expect((await admin.listDatabases()).map((d) => d.name)).not.toContain("inventory");
      await expect(login("alice", spec.users[0]!.password, "inventory")).rejects.toThrow(/database "inventory" does not exist/);
      expect(await admin.listUsers()).toEqual([{ name: "alice", host: "", databases: ["shop"] }]);
      await expect(admin.deleteDatabase("inventory")).rejects.toThrow(DatastoreNotFoundError);
    });

    it("enables root, which logs in over TCP and creates databases; disabling it locks it out", async () => {
      expect(await admin.rootEnabled()).toBe(false);
      await admin.disableRoot(); // nothing to disable: fine
      expect(await admin.enableRoot("root-pass-1")).toEqual({ name: "root", password: "root-pass-1" });
      expect(await admin.rootEnabled()).toBe(true);
      await run("root", "root-pass-1", "postgres", "CREATE DATABASE made_by_root");
      expect((await admin.listDatabases()).map((d) => d.name)).toContain("made_by_root");
      expect((await admin.listUsers()).map((u) => u.name)).toEqual(["alice"]);
      await expect(connect(at, "postgres", spec.adminPassword, "postgres")).rejects.toThrow(/pg_hba\.conf rejects/);

      await admin.disableRoot();
      expect(await admin.rootEnabled()).toBe(false);
      await expect(login("root", "root-pass-1", "postgres")).rejects.toThrow(/not permitted to log in|password authentication failed/);
      await admin.enableRoot("root-pass-2");
      expect(await run("root", "root-pass-2", "made_by_root", "SELECT current_user AS who")).toEqual([{ who: "root" }]);
      await admin.disableRoot();
    });

    // All instances of a host share one OS account: root has a database owner's rights, not the host's.
    it("gives root every table's data and no way to the host's files or programs", async () => {
      const alicePassword = spec.users[0]!.password;
      await run("alice", alicePassword, "shop", "CREATE TABLE notes (id int PRIMARY KEY, body text)");
      await run("alice", alicePassword, "shop", "INSERT INTO notes VALUES (1, 'hi')");
      await admin.enableRoot("root-pass-3");
      await admin.createDatabase({ name: "after_root" }); // opened to root too
      expect(await run("root", "root-pass-3", "after_root", "SELECT current_database() AS db")).toEqual([{ db: "after_root" }]);

      const root = await login("root", "root-pass-3", "shop");
      try {
        expect((await root.query("SELECT body FROM notes")).rows).toEqual([{ body: "hi" }]);
        await root.query("INSERT INTO notes VALUES (2, 'from root')");
        await root.query("UPDATE notes SET body = 'hello' WHERE id = 1");
        await root.query("CHECKPOINT");
        await root.query("GRANT pg_monitor TO alice"); // root may hand its roles on
        await root.query("REVOKE pg_monitor FROM alice");
        const denied = (sql: string, why: RegExp): Promise<void> => expect(root.query(sql)).rejects.toThrow(why);
        await denied("SELECT pg_read_file('/etc/hostname')", /permission denied for function pg_read_file/);
        await denied("COPY notes FROM PROGRAM 'id'", /pg_execute_server_program/);
        await denied(`COPY notes TO '${join(home, "notes.txt")}'`, /pg_write_server_files/);
        await denied("SELECT lo_import('/etc/hostname')", /permission denied for function lo_import/);
        await denied("ALTER SYSTEM SET work_mem = '1GB'", /permission denied to set parameter "work_mem"/);
        await denied("CREATE EXTENSION file_fdw", /permission denied to create extension "file_fdw"/);
        await denied("ALTER ROLE root SUPERUSER", /must be superuser/);
        await denied("GRANT pg_execute_server_program TO root", /must have admin option on role "pg_execute_server_program"/);
        await denied("CREATE ROLE sneaky", /permission denied to create role/);
      } finally {
        await root.end();
      }
      expect(await run("alice", alicePassword, "shop", "SELECT body FROM notes ORDER BY id")).toEqual([{ body: "hello" }, { body: "from root" }]);

      // An enable over a root that is a superuser (an older Hoard) takes the host's powers back.
      const superuser = new pg.Client({ host: at.runDir, port: at.port, user: "postgres", database: "postgres" });
      await superuser.connect();
      try {
        await superuser.query("ALTER ROLE root SUPERUSER");
        await superuser.query("GRANT pg_execute_server_program TO root");
      } finally {
        await superuser.end();
      }
      const powers = "SELECT rolsuper, pg_has_role('root', 'pg_execute_server_program', 'member') AS program FROM pg_roles WHERE rolname = 'root'";
      expect(await run("root", "root-pass-3", "postgres", powers)).toEqual([{ rolsuper: true, program: true }]);
      await admin.enableRoot("root-pass-4");
      expect(await run("root", "root-pass-4", "postgres", powers)).toEqual([{ rolsuper: false, program: false }]);
      await admin.deleteDatabase("after_root");
      await admin.disableRoot();
      expect(await admin.rootEnabled()).toBe(false);
    });

    it("refuses reserved names and hosts before reaching the server", async () => {
      await expect(admin.createUser({ name: "postgres", password: "x-password", databases: [] })).rejects.toThrow(DatastoreSpecError);
      await expect(admin.createUser({ name: "root", password: "x-password", databases: [] })).rejects.toThrow(/reserved/);
      await expect(admin.createUser({ name: "dave", password: "x-password", host: "%", databases: [] })).rejects.toThrow(
        /postgresql users have no host/,
      );
      await expect(admin.createUser({ name: "dave", password: "", databases: [] })).rejects.toThrow(DatastoreSpecError);
      await expect(admin.createDatabase({ name: "postgres" })).rejects.toThrow(/reserved/);
      await expect(admin.deleteDatabase("template1")).rejects.toThrow(DatastoreSpecError);
      await expect(admin.deleteUser("postgres", "")).rejects.toThrow(DatastoreSpecError);
      await expect(admin.grantAccess("alice", "", ["pg_catalog"])).rejects.toThrow(DatastoreSpecError);
    });

    it("says the instance is not ready while the server is stopped", async () => {
      await admin.stop(never);
      await expect(admin.listUsers()).rejects.toThrow(DatastorePreconditionError);
      await expect(admin.createDatabase({ name: "later" })).rejects.toThrow(/instance is not ready/);
      await admin.start(never);
      expect((await admin.listUsers()).map((u) => u.name)).toEqual(["alice"]);
    });
  });

  // Configure, access control and guest logs, as a user of the instance sees them.
  describe("configuration and logs", () => {
    let cfg: DatastoreManager;
    let at: InstanceLayout;
    const password = spec.users[0]!.password;
    const settings = (changes: Partial<ServerSettings> = {}): ServerSettings => ({ ramMb: 512, vcpus: 2, parameters: {}, allowedCidrs: [], ...changes });
    const show = async (name: string): Promise<string> => {
      const rows = await query<Record<string, string>>(at, "alice", password, "shop", `SHOW ${name}`);
      return rows[0]![name]!;
    };
    const run = (sql: string): Promise<unknown[]> => query(at, "alice", password, "shop", sql);
    const read = (name: string, cursor?: string) =>
      cfg.logs.readLog(name, cursor === undefined ? { lines: 1000, maxBytes: 1024 * 1024 } : { cursor, maxBytes: 1024 * 1024 });
    const enabled = async (): Promise<Record<string, boolean>> =>
      Object.fromEntries((await cfg.logs.listLogs()).map((log) => [log.name, log.enabled]));

    beforeAll(async () => {
      at = await makeLayout("cfg");
      cfg = manage(at);
      await cfg.prepare(spec, never);
    });

    it("applies work_mem live, without a restart, and a removed parameter returns to the flavor's value", async () => {
      const pid = await postmasterPid(at);
      expect(await show("work_mem")).toBe("2621kB");
      expect(await cfg.configure(settings({ parameters: { work_mem: "4096" } }), never)).toEqual({ restartRequired: false });
      expect(await show("work_mem")).toBe("4MB");
      expect(await postmasterPid(at)).toBe(pid);
      expect(await cfg.probe()).toEqual({ state: "HEALTHY", restartPending: false });
      expect(await cfg.effectiveParameters(["work_mem", "max_connections", "no_such_parameter"])).toEqual({ work_mem: "4096", max_connections: "50" });

      expect(await cfg.configure(settings(), never)).toEqual({ restartRequired: false });
      expect(await show("work_mem")).toBe("2621kB");
      expect(await postmasterPid(at)).toBe(pid);
    });

    it("reports max_connections as waiting for a restart, which applies it", async () => {
      expect(await cfg.configure(settings({ parameters: { max_connections: "60" } }), never)).toEqual({ restartRequired: true });
      expect(await cfg.probe()).toEqual({ state: "HEALTHY", restartPending: true });
      expect(await show("max_connections")).toBe("50");
      await cfg.restart(never);
      expect(await show("max_connections")).toBe("60");
      expect(await cfg.probe()).toEqual({ state: "HEALTHY", restartPending: false });
    });

    it("resizes: a new ramMb and a restart change shared_buffers", async () => {
      expect(await show("shared_buffers")).toBe("128MB");
      expect(await cfg.configure(settings({ ramMb: 1024 }), never)).toEqual({ restartRequired: true });
      expect(await show("shared_buffers")).toBe("128MB");
      await cfg.restart(never);
      expect(await show("shared_buffers")).toBe("256MB");
      expect(await show("max_connections")).toBe("100"); // the parameter is gone: the flavor's value again
      expect(await cfg.probe()).toEqual({ state: "HEALTHY", restartPending: false });
    });

    it("configures a stopped server for its next start", async () => {
      await cfg.stop(never);
      expect(await cfg.configure(settings({ ramMb: 1024, parameters: { work_mem: "8192" } }), never)).toEqual({ restartRequired: false });
      await cfg.start(never);
      expect(await show("work_mem")).toBe("8MB");
    });

    it("refuses a parameter PostgreSQL would refuse at its next start, and changes nothing", async () => {
      const hoardConf = await readFile(join(at.dataDir, "hoard.conf"), "utf8");
      const bad = settings({ ramMb: 1024, parameters: { work_mem: "lots" } });
      await expect(cfg.configure(bad, never)).rejects.toThrow(DatastoreSpecError);
      await expect(cfg.configure(bad, never)).rejects.toThrow(/invalid value for parameter "work_mem": "lots"/);
      await expect(cfg.configure(settings({ ramMb: 1024, parameters: { wrk_mem: "1" } }), never)).rejects.toThrow(/unrecognized configuration parameter "wrk_mem"/);
      expect(await readFile(join(at.dataDir, "hoard.conf"), "utf8")).toBe(hoardConf);
      await cfg.restart(never);
      expect(await show("work_mem")).toBe("8MB");
    });

    it("admits TCP clients only from the allowed CIDRs, and from anywhere again when they are cleared", async () => {
      const pid = await postmasterPid(at);
      expect(await cfg.configure(settings({ ramMb: 1024, allowedCidrs: ["10.0.0.0/8", "fd00::/8"] }), never)).toEqual({ restartRequired: false });
      await expect(connect(at, "alice", password, "shop")).rejects.toThrow(/no pg_hba\.conf entry for host/);
      expect(await cfg.probe()).toEqual({ state: "HEALTHY", restartPending: false }); // the agent's socket is unaffected

      await expect(cfg.configure(settings({ ramMb: 1024, allowedCidrs: ["10.0.0.1/8"] }), never)).rejects.toThrow(DatastoreSpecError);
      await expect(cfg.configure(settings({ ramMb: 1024, parameters: { port: "6000" } }), never)).rejects.toThrow(DatastoreSpecError);
      await expect(connect(at, "alice", password, "shop")).rejects.toThrow(/no pg_hba\.conf entry/); // nothing changed

      expect(await cfg.configure(settings({ ramMb: 1024, allowedCidrs: ["127.0.0.0/8"] }), never)).toEqual({ restartRequired: false });
      expect(await run("SELECT 1 AS one")).toEqual([{ one: 1 }]);
      expect(await cfg.configure(settings({ ramMb: 1024 }), never)).toEqual({ restartRequired: false });
      expect(await run("SELECT 1 AS one")).toEqual([{ one: 1 }]);
      expect(await postmasterPid(at)).toBe(pid);
    });

    it("shows a configuration's log_min_duration_statement as the slow log, and a cursor reads only what came after", async () => {
      expect(await enabled()).toEqual({ error: true, slow: false, general: false });
      await cfg.configure(settings({ ramMb: 1024, parameters: { log_min_duration_statement: "100" } }), never);
      expect(await enabled()).toEqual({ error: true, slow: true, general: false });
      await run("SELECT pg_sleep(0.2) AS first_slow");
      await run("SELECT 1 AS quick_one");
      const first = await eventually(() => read("slow"), (chunk) => chunk.text.includes("first_slow"));
      expect(first.text).toMatch(/duration: \d+\.\d+ ms {2}statement: SELECT pg_sleep\(0\.2\) AS first_slow/);
      expect(first.text).not.toContain("quick_one");
      expect((await read("error")).text).toContain("first_slow");

      await run("SELECT pg_sleep(0.2) AS second_slow");
      const next = await eventually(() => read("slow", first.cursor), (chunk) => chunk.text.includes("second_slow"));
      expect(next.text).toContain("second_slow");
      expect(next.text).not.toContain("first_slow");
      expect((await read("slow", next.cursor)).text).toBe("");

      const sizes = await cfg.logs.listLogs();
      expect(sizes.find((log) => log.name === "error")!.sizeBytes).toBeGreaterThan(0);
    });

    it("switches the slow and general logs live; a switch survives configure and restart", async () => {
      // Off: wins over the configuration's threshold, until a configuration changes it.
      const { cursor } = await read("slow");
      expect(await cfg.logs.setLogEnabled("slow", false, never)).toMatchObject({ name: "slow", type: "USER", enabled: false });
      await run("SELECT pg_sleep(0.2) AS third_slow");
      await run("SELECT 'after the third' AS marker");
      await eventually(() => read("error", cursor), (chunk) => chunk.text.length > 0);
      expect((await read("slow", cursor)).text).not.toContain("third_slow");

      // On, without a configured threshold: 1000 ms.
      await cfg.configure(settings({ ramMb: 1024 }), never);
      expect(await cfg.logs.setLogEnabled("slow", true, never)).toMatchObject({ enabled: true });
      expect(await cfg.effectiveParameters(["log_min_duration_statement"])).toEqual({ log_min_duration_statement: "1000" });

      const before = (await read("general")).cursor;
      expect(await cfg.logs.setLogEnabled("general", true, never)).toMatchObject({ name: "general", enabled: true });
      await run("SELECT 'general-marker' AS g");
      const general = await eventually(() => read("general", before), (chunk) => chunk.text.includes("general-marker"));
      expect(general.text).toMatch(/statement: SELECT 'general-marker' AS g/);
      expect(general.text).not.toMatch(/duration:|log_statement|pg_conf_load_time/); // nor the agent's own statements

      await cfg.configure(settings({ ramMb: 1024, parameters: { work_mem: "4096" } }), never); // a resize keeps switches
      await cfg.restart(never);
      expect(await enabled()).toEqual({ error: true, slow: true, general: true });
      expect(await show("log_statement")).toBe("all");
      expect(await show("log_min_duration_statement")).toBe("1s");

      await expect(cfg.logs.setLogEnabled("error", false, never)).rejects.toThrow(DatastorePreconditionError);
      await expect(cfg.logs.setLogEnabled("audit", true, never)).rejects.toThrow(DatastoreNotFoundError);
      await expect(cfg.logs.readLog("audit", { maxBytes: 10 })).rejects.toThrow(DatastoreNotFoundError);
      await expect(cfg.logs.readLog("slow", { cursor: "garbage", maxBytes: 10 })).rejects.toThrow(DatastoreSpecError);
      await cfg.logs.setLogEnabled("general", false, never);
      expect(await show("log_statement")).toBe("none");
    });

    it("rotate() keeps the server log within its cap, oldest files first, never the one being written", async () => {
      const capped = manage(at, 64 * 1024);
      const old = ["postgresql-20200101-000000.log", "postgresql-20200102-000000.log", "postgresql-20200103-000000.log"];
      for (const [i, name] of old.entries()) {
        const path = join(at.logDir, name);
        await writeFile(path, `2020-01-0${i + 1} 00:00:00.000 UTC [1] LOG:  old entry ${i}\n`.padEnd(40 * 1024, "x") + "\n");
        if (runAs) await chown(path, runAs.uid, runAs.gid);
        await utimes(path, new Date(2020, 0, i + 1), new Date(2020, 0, i + 1));
      }
      const files = async (): Promise<string[]> => (await readdir(at.logDir)).filter((name) => name.startsWith("postgresql-")).sort();
      const current = async (): Promise<string> => (await readFile(join(at.dataDir, "current_logfiles"), "utf8")).trim().split("/").at(-1)!;
      const writing = await current();
      const size = (await cfg.logs.listLogs()).find((log) => log.name === "error")!.sizeBytes;
      expect(size).toBeGreaterThan(120 * 1024);

      await capped.logs.rotate();
      const left = await files();
      expect(left).toContain(await current());
      expect(left).not.toContain(old[0]);
      expect(left).not.toContain(old[1]);
      expect((await capped.logs.listLogs()).find((log) => log.name === "error")!.sizeBytes).toBeLessThanOrEqual(64 * 1024);

      // The file being written past a quarter of the cap: the collector is asked for a new one.
      const tiny = manage(at, 1024); // the file being written holds more than 256 bytes already
      const rotated = await eventually(
        async () => {
          await tiny.logs.rotate();
          return current();
        },
        (name) => name !== writing,
      );
      expect(rotated).not.toBe(writing);
      expect(await files()).toContain(rotated);
      expect((await read("error")).text.length).toBeGreaterThan(0);
    });
  });
});

/** The baseline: a fresh initdb and pg_ctl start -w, until a first query answers. */
async function freshInitdbAndStart(home: string, runAs: InstanceLayout["runAs"]): Promise<number> {
  const { host, port } = await freeAddress(5432);
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
