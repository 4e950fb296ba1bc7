// The PostgreSQL manager against the real PostgreSQL 15 binaries: instances on their own loopback
// addresses under a temp dir, checked the way a database user would see them.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeAddress, serverAccount } from "./fixtures.js";
import type { DatastoreManager, InstanceLayout, PrepareSpec } from "../../agent/src/datastores/manager.js";
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
