// The MariaDB manager against the real MariaDB 10.11 binaries: instances on their own loopback
// addresses under a temp dir, checked the way a database user would see them, through the
// `mariadb` command-line client over TCP.
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeAddress, serverAccount } from "./fixtures.js";
import { DatastoreConflictError, DatastoreNotFoundError, DatastorePreconditionError, DatastoreSpecError } from "../../agent/src/datastores/errors.js";
import type { DatastoreManager, InstanceLayout, PrepareSpec } from "../../agent/src/datastores/manager.js";
import { createMariadbManager, type MariadbManagerOptions } from "../../agent/src/datastores/mariadb/index.js";
import type { AdminAuth } from "../../agent/src/datastores/mysql/index.js";

const BIN_DIR = process.env.HOARD_MARIADB_BIN_DIR ?? "/usr/sbin";
const CLIENT = "/usr/bin/mariadb";
const never = new AbortController().signal;
/** Wrong password (1045), or no account matching at all (1698). */
const LOGIN_REFUSED = /ERROR (1045|1698) \(28000\)/;



interface ClientResult {
  ok: boolean;
  out: string;
  err: string;
}

/** Runs `sql` as `user` over TCP with the command-line client; the password goes in MYSQL_PWD, not argv. */
function query(layout: InstanceLayout, user: string, password: string, sql: string, database?: string): Promise<ClientResult> {
  const args = ["--no-defaults", "--protocol=TCP", `--host=${layout.host}`, `--port=${layout.port}`, `--user=${user}`, "--batch", "--skip-column-names", "--connect-timeout=5"];
  if (database) args.push(`--database=${database}`);
  return new Promise((resolve, reject) => {
    const child = spawn(CLIENT, args, { env: { PATH: "/usr/bin:/bin", MYSQL_PWD: password }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    child.once("error", reject);
    child.once("close", (code) => resolve({ ok: code === 0, out: out.trim(), err: err.trim() }));
    child.stdin.end(sql);
  });
}

/** SQL as the agent's own root@localhost, over the instance's socket (unix_socket: the tests run as root). */
function adminSql(layout: InstanceLayout, sql: string): void {
  execFileSync(CLIENT, ["--no-defaults", `--socket=${join(layout.runDir, "mysqld.sock")}`, "--user=root", "-e", sql], { stdio: ["ignore", "ignore", "pipe"] });
}

/** SQL as the agent's root@localhost that returns its rows: what the server really runs with, whoever may log in. */
function adminQuery(layout: InstanceLayout, sql: string): string {
  return execFileSync(CLIENT, ["--no-defaults", `--socket=${join(layout.runDir, "mysqld.sock")}`, "--user=root", "--batch", "--skip-column-names", "-e", sql], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

/** One global variable as the server reports it. */
function globalVariable(layout: InstanceLayout, name: string): string {
  return adminQuery(layout, `SELECT @@GLOBAL.${name}`);
}

/** `query` that must succeed; returns its output. */
async function ok(layout: InstanceLayout, user: string, password: string, sql: string, database?: string): Promise<string> {
  const result = await query(layout, user, password, sql, database);
  if (!result.ok) throw new Error(`${user}: ${result.err}`);
  return result.out;
}

async function serverPid(layout: InstanceLayout): Promise<number> {
  return Number((await readFile(join(layout.runDir, "mysqld.pid"), "utf8")).trim());
}

async function eventually<T>(fn: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] ?? NaN);
}

describe.skipIf(!existsSync(join(BIN_DIR, "mariadbd")) || !existsSync(CLIENT))("mariadb manager", { timeout: 120_000 }, () => {
  let home: string;
  const managers: DatastoreManager[] = [];
  const runAs = serverAccount(["hoard", "mysql"]);
  const timings: Record<string, number | number[]> = {};

  async function makeLayout(id: string): Promise<InstanceLayout> {
    const root = join(home, "i", id);
    const { host, port } = await freeAddress(3306);
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

  function manage(layout: InstanceLayout, adminAuth?: AdminAuth, options: MariadbManagerOptions = {}): DatastoreManager {
    const manager = createMariadbManager(layout, { startTimeoutSeconds: 60, stopTimeoutSeconds: 30, ...(adminAuth ? { adminAuth } : {}), ...options });
    managers.push(manager);
    return manager;
  }

  const alicePassword = "s3cret 'quoted' \\ \"pass\" ä";
  const spec: PrepareSpec = {
    ramMb: 512,
    vcpus: 2,
    databases: [{ name: "shop" }],
    users: [{ name: "alice", password: alicePassword, databases: ["shop"] }],
    adminPassword: "admin-Secret-1 'x' \\ \"y\"",
    parameters: {},
    allowedCidrs: [],
  };

  let layout: InstanceLayout;
  let manager: DatastoreManager;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "hoard-mdb-"));
    await chmod(home, 0o755); // the server account must be able to walk into it
    layout = await makeLayout("a");
    manager = manage(layout);
  });

  afterAll(async () => {
    for (const m of managers) await m.stop(never).catch(() => {});
    if (home) await rm(home, { recursive: true, force: true });
    console.log("mariadb timings (ms)", JSON.stringify(timings));
  }, 120_000);

  it("prepares a server whose user reaches its database over TCP", async () => {
    expect(await manager.isPrepared()).toBe(false);
    expect(await manager.probe()).toEqual({ state: "SHUTDOWN" });
    const began = performance.now();
    await manager.prepare(spec, never);
    const out = await ok(layout, "alice", alicePassword, "SELECT CURRENT_USER(), DATABASE()", "shop");
    timings.coldTemplate = Math.round(performance.now() - began);
    expect(out).toBe("alice@%\tshop");
    expect(await manager.isPrepared()).toBe(true);
    expect(await manager.probe()).toEqual({ state: "HEALTHY" });
  });

  it("refuses a wrong password, and root over TCP", async () => {
    const wrong = await query(layout, "alice", "wrong-password", "SELECT 1");
    expect(wrong.ok).toBe(false);
    expect(wrong.err).toMatch(/ERROR 1045 .*Access denied for user 'alice'/);
    expect((await query(layout, "root", "", "SELECT 1")).err).toMatch(/ERROR (1045|1698) .*Access denied for user 'root'/);
  });

  it("sizes memory from ramMb and lets the user work in its database", async () => {
    const vars = await ok(layout, "alice", alicePassword, "SHOW VARIABLES WHERE Variable_name IN ('innodb_buffer_pool_size', 'max_connections', 'innodb_log_file_size', 'character_set_server', 'skip_name_resolve', 'slow_query_log')");
    expect(Object.fromEntries(vars.split("\n").map((line) => line.split("\t")))).toEqual({
      innodb_buffer_pool_size: String(256 * 1024 * 1024),
      innodb_log_file_size: String(64 * 1024 * 1024),
      max_connections: "50",
      character_set_server: "utf8mb4",
      skip_name_resolve: "ON",
      slow_query_log: "OFF",
    });
    await ok(layout, "alice", alicePassword, "CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(40)); INSERT INTO orders VALUES (1, 'kettle');", "shop");
    expect(await manager.volumeUsedBytes()).toBeGreaterThan(10 * 1024 * 1024);
    const cnf = await stat(join(layout.root, "volume", "my.cnf"));
    expect(cnf.mode & 0o777).toBe(0o644);
  });

  it("administers databases and users end to end", async () => {
    await manager.createDatabase({ name: "reports", characterSet: "utf8mb4", collation: "utf8mb4_unicode_ci" });
    await manager.createDatabase({ name: "legacy", characterSet: "utf8", collation: "utf8_general_ci" });
    expect(await manager.listDatabases()).toEqual([
      { name: "legacy", characterSet: "utf8mb3", collation: "utf8mb3_general_ci" },
      { name: "reports", characterSet: "utf8mb4", collation: "utf8mb4_unicode_ci" },
      { name: "shop", characterSet: "utf8mb4", collation: "utf8mb4_general_ci" },
    ]);

    await manager.createUser({ name: "bob", host: "", password: "bob-password-1", databases: ["reports"] });
    expect(await ok(layout, "bob", "bob-password-1", "SELECT DATABASE()", "reports")).toBe("reports");
    expect(await manager.listUsers()).toEqual([
      { name: "alice", host: "%", databases: ["shop"] },
      { name: "bob", host: "%", databases: ["reports"] },
    ]);

    await manager.revokeAccess("bob", "", "reports");
    expect((await query(layout, "bob", "bob-password-1", "SELECT 1", "reports")).err).toMatch(/ERROR 1044 .*Access denied for user 'bob'@'%' to database 'reports'/);
    await manager.revokeAccess("bob", "%", "reports"); // nothing left to revoke: a no-op

    await manager.grantAccess("bob", "%", ["reports", "shop"]);
    expect(await ok(layout, "bob", "bob-password-1", "SELECT COUNT(*) FROM shop.orders", "reports")).toBe("1");

    await manager.updateUser("bob", "", { newName: "carol", password: "carol-password-1" });
    expect((await query(layout, "bob", "bob-password-1", "SELECT 1")).err).toMatch(LOGIN_REFUSED);
    expect(await ok(layout, "carol", "carol-password-1", "SELECT DATABASE()", "shop")).toBe("shop");
    expect((await manager.listUsers()).find((u) => u.name === "carol")).toEqual({ name: "carol", host: "%", databases: ["reports", "shop"] });

    await manager.updateUser("carol", "%", { newHost: "127.0.0.%" });
    expect(await ok(layout, "carol", "carol-password-1", "SELECT CURRENT_USER()")).toBe("carol@127.0.0.%");

    await manager.deleteUser("carol", "127.0.0.%");
    expect((await query(layout, "carol", "carol-password-1", "SELECT 1")).err).toMatch(LOGIN_REFUSED);

    await manager.deleteDatabase("legacy");
    expect((await manager.listDatabases()).map((d) => d.name)).toEqual(["reports", "shop"]);
  });

  it("grants exactly the named database: '_' in a name is no wildcard", async () => {
    await manager.createDatabase({ name: "team_a" });
    await manager.createDatabase({ name: "teamxa" });
    await manager.createUser({ name: "tess", password: "tess-password", databases: ["team_a"] });
    expect(await ok(layout, "tess", "tess-password", "SELECT DATABASE()", "team_a")).toBe("team_a");
    expect((await query(layout, "tess", "tess-password", "SELECT 1", "teamxa")).err).toMatch(/ERROR 1044/);
    expect((await manager.listUsers()).find((u) => u.name === "tess")?.databases).toEqual(["team_a"]);
    await manager.deleteDatabase("team_a"); // takes the grant with it
    expect((await manager.listUsers()).find((u) => u.name === "tess")?.databases).toEqual([]);
    await manager.deleteUser("tess", "");
    await manager.deleteDatabase("teamxa");
  });

  it("answers bad requests with typed errors and changes nothing", async () => {
    await expect(manager.createUser({ name: "alice", password: "another-pass", databases: [] })).rejects.toBeInstanceOf(DatastoreConflictError);
    await expect(manager.createDatabase({ name: "shop" })).rejects.toBeInstanceOf(DatastoreConflictError);

    await manager.createUser({ name: "dave", password: "dave-password", databases: [] });
    await expect(manager.grantAccess("dave", "", ["reports", "nope"])).rejects.toBeInstanceOf(DatastoreNotFoundError);
    expect((await manager.listUsers()).find((u) => u.name === "dave")?.databases).toEqual([]);
    expect((await query(layout, "dave", "dave-password", "SELECT 1", "reports")).err).toMatch(/ERROR 1044/);

    await expect(manager.createUser({ name: "erin", password: "erin-password", databases: ["nope"] })).rejects.toBeInstanceOf(DatastoreNotFoundError);
    expect((await manager.listUsers()).map((u) => u.name)).not.toContain("erin");

    await expect(manager.updateUser("dave", "", { newName: "alice" })).rejects.toBeInstanceOf(DatastoreConflictError);
    await expect(manager.deleteUser("nobody", "")).rejects.toBeInstanceOf(DatastoreNotFoundError);
    await expect(manager.updateUser("nobody", "", { password: "whatever-1" })).rejects.toBeInstanceOf(DatastoreNotFoundError);
    await expect(manager.revokeAccess("dave", "", "nope")).rejects.toBeInstanceOf(DatastoreNotFoundError);
    await expect(manager.revokeAccess("nobody", "", "shop")).rejects.toBeInstanceOf(DatastoreNotFoundError);
    await expect(manager.deleteDatabase("nope")).rejects.toBeInstanceOf(DatastoreNotFoundError);

    await expect(manager.createUser({ name: "root", password: "root-password", databases: [] })).rejects.toBeInstanceOf(DatastoreSpecError);
    await expect(manager.createUser({ name: "hoard_x", password: "some-password", databases: [] })).rejects.toBeInstanceOf(DatastoreSpecError);
    await expect(manager.createUser({ name: "x`y", password: "some-password", databases: [] })).rejects.toBeInstanceOf(DatastoreSpecError);
    await expect(manager.createUser({ name: "frank", host: "a'b", password: "some-password", databases: [] })).rejects.toBeInstanceOf(DatastoreSpecError);
    await expect(manager.createUser({ name: "frank", password: "short", databases: [] })).rejects.toBeInstanceOf(DatastoreSpecError);
    await expect(manager.deleteUser("mariadb.sys", "localhost")).rejects.toBeInstanceOf(DatastoreSpecError);
    await expect(manager.createDatabase({ name: "mysql" })).rejects.toBeInstanceOf(DatastoreSpecError);
    await expect(manager.deleteDatabase("information_schema")).rejects.toBeInstanceOf(DatastoreSpecError);
    await expect(manager.createDatabase({ name: "x1", characterSet: "klingon" })).rejects.toThrow(/character set klingon is not known/);
    await expect(manager.createDatabase({ name: "x1", characterSet: "latin1", collation: "utf8mb4_bin" })).rejects.toBeInstanceOf(DatastoreSpecError);
    await expect(manager.createDatabase({ name: "x1", collation: "nope_ci" })).rejects.toBeInstanceOf(DatastoreSpecError);
    expect((await manager.listDatabases()).map((d) => d.name)).toEqual(["reports", "shop"]);
    await manager.deleteUser("dave", "");
  });

  it("enables and disables root", async () => {
    expect(await manager.rootEnabled()).toBe(false);
    const rootPassword = "r00t-Password 'q'";
    expect(await manager.enableRoot(rootPassword)).toEqual({ name: "root", password: rootPassword });
    expect(await manager.rootEnabled()).toBe(true);
    await ok(layout, "root", rootPassword, "CREATE DATABASE rootmade; GRANT SELECT ON shop.* TO alice@'%';");
    expect((await manager.listDatabases()).map((d) => d.name)).toContain("rootmade");
    expect((await manager.listUsers()).map((u) => u.name)).toEqual(["alice"]);

    const again = "another-R00t-password";
    await manager.enableRoot(again); // resets the password
    expect((await query(layout, "root", rootPassword, "SELECT 1")).err).toMatch(LOGIN_REFUSED);
    await ok(layout, "root", again, "SELECT 1");

    await manager.disableRoot();
    expect(await manager.rootEnabled()).toBe(false);
    expect((await query(layout, "root", again, "SELECT 1")).err).toMatch(LOGIN_REFUSED);
    await manager.disableRoot(); // no-op
    expect(await manager.probe()).toEqual({ state: "HEALTHY" }); // root@localhost still serves the agent
  });

  // All instances of a host share one OS account: root has a database owner's rights, not the host's.
  it("gives root every right inside the server and none that reach the host's files", async () => {
    const pw = "master-Pass-1";
    await manager.enableRoot(pw);
    await ok(layout, "root", pw, "CREATE DATABASE owned; CREATE TABLE owned.t (id int); INSERT INTO owned.t VALUES (1);");
    await ok(layout, "root", pw, "CREATE USER hank@'%' IDENTIFIED BY 'hank-Password-1'; GRANT ALL PRIVILEGES ON owned.* TO hank@'%';");
    expect(await ok(layout, "hank", "hank-Password-1", "SELECT id FROM t", "owned")).toBe("1");
    await ok(layout, "root", pw, "UPDATE shop.orders SET item = 'teapot' WHERE item = 'kettle'; UPDATE shop.orders SET item = 'kettle' WHERE item = 'teapot';");
    await ok(layout, "root", pw, "FLUSH TABLES; SHOW PROCESSLIST;");

    const denied = async (sql: string, privilege: RegExp): Promise<void> => {
      expect((await query(layout, "root", pw, sql)).err).toMatch(privilege);
    };
    await denied(`SET GLOBAL general_log_file = '${join(home, "elsewhere.log")}'`, /ERROR 1227 .*SUPER/);
    await denied("SET GLOBAL general_log = ON", /ERROR 1227 .*SUPER/);
    await denied(`SELECT 1 INTO OUTFILE '${join(layout.runDir, "files", "denied.txt")}'`, /ERROR 1227 .*FILE/);
    await denied("SHUTDOWN", /ERROR 1227 .*SHUTDOWN/);
    await denied("GRANT FILE ON *.* TO hank@'%'", /ERROR 1045 .*Access denied/);
    await denied("CREATE DEFINER = `root`@`localhost` PROCEDURE owned.p() SELECT 1", /ERROR 1227 .*(SET USER|SUPER)/);
    expect(await ok(layout, "root", pw, "SELECT LOAD_FILE('/etc/hostname') IS NULL")).toBe("1");
    // DATA DIRECTORY would put files wherever the server's account can write: ignored, with a warning.
    const elsewhere = join(home, "elsewhere");
    expect(await ok(layout, "root", pw, `CREATE TABLE owned.far (id int) DATA DIRECTORY = '${elsewhere}'; SHOW WARNINGS;`)).toMatch(/option ignored/);
    expect(existsSync(elsewhere)).toBe(false);
    expect(await ok(layout, "root", pw, "SHOW GRANTS")).not.toMatch(/\b(SUPER|FILE|SHUTDOWN|SET USER)\b/);

    // An enable over a root that has ALL PRIVILEGES (an older Hoard) takes the host's powers back.
    adminSql(layout, "GRANT ALL PRIVILEGES ON *.* TO `root`@`%` WITH GRANT OPTION;");
    const outfile = join(layout.runDir, "files", "out.txt"); // inside secure-file-priv
    await ok(layout, "root", pw, `SELECT 1 INTO OUTFILE '${outfile}'`);
    await manager.enableRoot(pw);
    await denied(`SELECT 2 INTO OUTFILE '${outfile}-2'`, /ERROR 1227 .*FILE/);
    await ok(layout, "root", pw, "DROP DATABASE owned; DROP USER hank@'%';");
    await manager.disableRoot();
  });

  it("keeps passwords out of the server's logs, even with the general log on", async () => {
    adminSql(layout, "SET GLOBAL general_log = ON;"); // root may not: the agent's own account
    await manager.enableRoot("temp-Root-pass");
    await ok(layout, "root", "temp-Root-pass", "SELECT 'root was here'");
    await manager.createUser({ name: "gina", password: "gina-Secret-77", databases: ["shop"] });
    await manager.updateUser("gina", "", { password: "gina-Secret-88" });
    adminSql(layout, "SET GLOBAL general_log = OFF;");
    await manager.disableRoot();
    await manager.deleteUser("gina", "");
    const logs = await Promise.all(["error.log", "general.log", "startup.log"].map((f) => readFile(join(layout.logDir, f), "utf8").catch(() => "")));
    const all = logs.join("\n");
    expect(all).toContain("root was here"); // the general log did record the root session
    for (const secret of ["gina-Secret-77", "gina-Secret-88", "temp-Root-pass", alicePassword, spec.adminPassword]) expect(all).not.toContain(secret);
  });

  it("reports CRASHED after kill -9 and start() brings the data back", async () => {
    const pid = await serverPid(layout);
    process.kill(pid, "SIGKILL");
    const crashed = await eventually(() => manager.probe(), (h) => h.state === "CRASHED");
    expect(crashed.state).toBe("CRASHED");

    await manager.start(never);
    expect(await manager.probe()).toEqual({ state: "HEALTHY" });
    expect(await ok(layout, "alice", alicePassword, "SELECT item FROM orders", "shop")).toBe("kettle");
  });

  it("start() on a running server changes nothing", async () => {
    const pid = await serverPid(layout);
    await manager.start(never);
    expect(await serverPid(layout)).toBe(pid);
  });

  it("stop() makes the probe say SHUTDOWN and the port refuse connections", async () => {
    await manager.stop(never);
    expect(await manager.probe()).toEqual({ state: "SHUTDOWN" });
    expect((await query(layout, "alice", alicePassword, "SELECT 1")).err).toMatch(/ERROR 200[23]/);
    await expect(manager.listUsers()).rejects.toBeInstanceOf(DatastorePreconditionError);
    await manager.stop(never); // and again: a no-op
  });

  it("a repeated prepare converges: server up, data kept, passwords reset", async () => {
    const again: PrepareSpec = {
      ...spec,
      databases: [...spec.databases, { name: "extra", characterSet: "latin1" }],
      users: [{ ...spec.users[0]!, password: "new-password", databases: ["shop", "extra"] }],
    };
    await manager.prepare(again, never);
    await manager.prepare(again, never);
    expect(await ok(layout, "alice", "new-password", "SELECT item FROM orders", "shop")).toBe("kettle");
    expect(await ok(layout, "alice", "new-password", "SELECT DATABASE()", "extra")).toBe("extra");
    expect((await query(layout, "alice", alicePassword, "SELECT 1")).err).toMatch(LOGIN_REFUSED);
    expect((await manager.listDatabases()).map((d) => d.name)).toEqual(["extra", "reports", "rootmade", "shop"]);
  });

  it("a fresh manager (agent restart) adopts the running server and restarts it", async () => {
    const restarted = manage(layout);
    expect(await restarted.probe()).toEqual({ state: "HEALTHY" });
    const pid = await serverPid(layout);
    await restarted.restart(never);
    expect(await serverPid(layout)).not.toBe(pid);
    expect(await restarted.probe()).toEqual({ state: "HEALTHY" });
  });

  it("works with a password-authenticated admin login (agents not running as root)", async () => {
    const pwLayout = await makeLayout("p");
    const pw = manage(pwLayout, "password");
    await pw.prepare(spec, never);
    const cnf = await stat(join(pwLayout.runDir, "hoard-admin.cnf"));
    expect(cnf.mode & 0o777).toBe(0o600);
    expect(existsSync(join(pwLayout.runDir, "hoard-init.sql"))).toBe(false);
    expect(await pw.probe()).toEqual({ state: "HEALTHY" });
    await pw.createDatabase({ name: "more" });
    await pw.grantAccess("alice", "", ["more"]);
    expect(await ok(pwLayout, "alice", alicePassword, "SELECT DATABASE()", "more")).toBe("more");
    await pw.restart(never);
    expect(await pw.probe()).toEqual({ state: "HEALTHY" });
    await pw.stop(never);
  });

  // Timings are printed for the record only; speed is judged by benchmarks, never by a test.
  it("prepares more instances from the warm template, and by hand for comparison", async () => {
    const warm: number[] = [];
    const byHand: number[] = [];
    for (let i = 0; i < 3; i++) {
      const warmLayout = await makeLayout(`w${i}`);
      const m = manage(warmLayout);
      const began = performance.now();
      await m.prepare(spec, never);
      await ok(warmLayout, "alice", alicePassword, "SELECT 1", "shop");
      warm.push(performance.now() - began);
      await m.stop(never);
      byHand.push(await installDbAndStart(home, `h${i}`, runAs));
    }
    timings.warmTemplate = warm.map(Math.round);
    timings.warmTemplateMedian = median(warm);
    timings.installDbByHand = byHand.map(Math.round);
    timings.installDbByHandMedian = median(byHand);
  });

  it("says why a server could not start", async () => {
    const busy = await makeLayout("busy");
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: busy.host, port: busy.port }, resolve));
    try {
      await expect(manage(busy).prepare(spec, never)).rejects.toThrow(/exited while starting.*Bind on TCP\/IP port.*Address already in use/);
    } finally {
      blocker.close();
    }
  });

  it("refuses a layout whose socket path is too long, and an aborted start", async () => {
    const long = { ...(await makeLayout("c")), runDir: join(home, "r".repeat(100)) };
    await expect(manage(long).prepare(spec, never)).rejects.toThrow(/unix socket path .* over the 107-byte limit/);
    await expect(manager.start(AbortSignal.abort())).rejects.toThrow(/abort/i);
  });

  describe("configuration, allowed networks and logs", () => {
    let cfg: InstanceLayout;
    let m: DatastoreManager;
    const base = { ramMb: 512, vcpus: 2, parameters: {}, allowedCidrs: [] };
    const limits = { maxFileBytes: 16 * 1024, keepFiles: 2 };

    beforeAll(async () => {
      cfg = await makeLayout("cfg");
      m = manage(cfg, undefined, { logLimits: limits });
      await m.prepare({ ...spec, parameters: { wait_timeout: "1200" } }, never);
    });

    it("prepare applies the parameters it is given", async () => {
      expect(globalVariable(cfg, "wait_timeout")).toBe("1200");
      expect(await m.effectiveParameters(["wait_timeout", "max_connections", "no_such_variable"])).toEqual({ wait_timeout: "1200", max_connections: "50" });
    });

    it("applies dynamic parameters live, without a restart, and takes removed ones back", async () => {
      const pid = await serverPid(cfg);
      const result = await m.configure({ ...base, parameters: { max_connections: "77", wait_timeout: "600", long_query_time: "2.5" } }, never);
      expect(result).toEqual({ restartRequired: false });
      expect(await serverPid(cfg)).toBe(pid);
      expect(globalVariable(cfg, "max_connections")).toBe("77");
      expect(globalVariable(cfg, "wait_timeout")).toBe("600");
      expect(globalVariable(cfg, "long_query_time")).toBe("2.500000");
      expect(await m.probe()).toEqual({ state: "HEALTHY" });
      expect(await readFile(join(cfg.root, "volume", "my.cnf"), "utf8")).toMatch(/^max_connections = 77$/m);

      // Gone from the configuration group: the flavor's value where it has one, else the default.
      expect(await m.configure(base, never)).toEqual({ restartRequired: false });
      expect(globalVariable(cfg, "max_connections")).toBe("50");
      expect(globalVariable(cfg, "wait_timeout")).toBe("28800");
      expect(globalVariable(cfg, "long_query_time")).toBe("1.000000");
      expect(await serverPid(cfg)).toBe(pid);
    });

    it("refuses parameters the agent owns or the server does not know, and changes nothing", async () => {
      await expect(m.configure({ ...base, parameters: { datadir: "/tmp/x" } }, never)).rejects.toBeInstanceOf(DatastoreSpecError);
      await expect(m.configure({ ...base, parameters: { no_such_variable: "1" } }, never)).rejects.toThrow(/no variable no_such_variable/);
      await expect(m.configure({ ...base, parameters: { max_connections: "66", innodb_flush_log_at_trx_commit: "banana" } }, never)).rejects.toBeInstanceOf(DatastoreSpecError);
      expect(globalVariable(cfg, "max_connections")).toBe("50"); // set back after the refusal
      expect(await readFile(join(cfg.root, "volume", "my.cnf"), "utf8")).not.toMatch(/max_connections = 66|banana/);
    });

    it("says a read-only parameter needs a restart until there was one", async () => {
      const pid = await serverPid(cfg);
      expect(await m.configure({ ...base, parameters: { innodb_log_buffer_size: "33554432" } }, never)).toEqual({ restartRequired: true });
      expect(await serverPid(cfg)).toBe(pid);
      expect(globalVariable(cfg, "innodb_log_buffer_size")).toBe("16777216");
      expect(await m.probe()).toEqual({ state: "HEALTHY", restartPending: true });
      // An agent restarted meanwhile finds out from the server itself.
      expect(await manage(cfg).probe()).toEqual({ state: "HEALTHY", restartPending: true });

      await m.restart(never);
      expect(globalVariable(cfg, "innodb_log_buffer_size")).toBe("33554432");
      expect(await m.probe()).toEqual({ state: "HEALTHY" });
    });

    it("resizes: a new flavor's memory settings after configure and a restart", async () => {
      // The read-only parameter above goes too: pending as well.
      expect(await m.configure({ ...base, ramMb: 1024 }, never)).toEqual({ restartRequired: true });
      expect(await m.probe()).toEqual({ state: "HEALTHY", restartPending: true });
      await m.restart(never);
      expect(globalVariable(cfg, "innodb_buffer_pool_size")).toBe(String(512 * 1024 * 1024));
      expect(globalVariable(cfg, "max_connections")).toBe("100");
      expect(globalVariable(cfg, "innodb_log_buffer_size")).toBe("16777216");
      expect(await m.probe()).toEqual({ state: "HEALTHY" });
    });

    it("enforces allowed networks with account hosts, and lifts them again", async () => {
      const net8 = { ...base, ramMb: 1024, allowedCidrs: ["10.0.0.0/8"] };
      await m.createUser({ name: "carol", host: "127.0.0.%", password: "carol-password-1", databases: ["shop"] });
      await m.enableRoot("root-Password-9");
      const users = await m.listUsers();
      expect(users).toEqual([
        { name: "alice", host: "%", databases: ["shop"] },
        { name: "carol", host: "127.0.0.%", databases: ["shop"] },
      ]);
      await ok(cfg, "alice", alicePassword, "SELECT 1");

      expect(await m.configure(net8, never)).toEqual({ restartRequired: false });
      expect((await query(cfg, "alice", alicePassword, "SELECT 1")).err).toMatch(LOGIN_REFUSED);
      expect((await query(cfg, "root", "root-Password-9", "SELECT 1")).err).toMatch(LOGIN_REFUSED);
      expect((await query(cfg, "carol", "carol-password-1", "SELECT 1")).err).toMatch(/ERROR 4151 .*locked/);
      expect(adminQuery(cfg, "SELECT CONCAT(User, '@', Host) FROM mysql.user WHERE User IN ('alice', 'root') ORDER BY 1").split("\n")).toEqual([
        "alice@10.0.0.0/255.0.0.0",
        "root@10.0.0.0/255.0.0.0",
        "root@localhost",
      ]);
      expect(await m.listUsers()).toEqual(users);
      expect(await m.rootEnabled()).toBe(true);

      // Users made, changed and granted while restricted get the same treatment.
      await m.createUser({ name: "dora", password: "dora-password-1", databases: [] });
      await m.grantAccess("dora", "%", ["shop"]);
      await m.updateUser("alice", "%", { password: "alice-new-password" });
      expect((await query(cfg, "dora", "dora-password-1", "SELECT 1")).err).toMatch(LOGIN_REFUSED);
      expect(await m.listUsers()).toEqual([...users, { name: "dora", host: "%", databases: ["shop"] }].sort((a, b) => a.name.localeCompare(b.name)));

      // Loopback allowed: the user@'%' accounts work from there, carol's host lies inside.
      await m.configure({ ...net8, allowedCidrs: ["127.0.0.0/8", "10.0.0.0/8"] }, never);
      expect(await ok(cfg, "alice", "alice-new-password", "SELECT CURRENT_USER()")).toBe("alice@127.0.0.0/255.0.0.0");
      expect(await ok(cfg, "carol", "carol-password-1", "SELECT DATABASE()", "shop")).toBe("shop");

      // IPv6 cannot be said in an account host: refused, nothing changes.
      await expect(m.configure({ ...net8, allowedCidrs: ["2001:db8::/32"] }, never)).rejects.toBeInstanceOf(DatastorePreconditionError);
      await ok(cfg, "dora", "dora-password-1", "SELECT 1", "shop");

      // Set while stopped: enforced by the next start.
      await m.stop(never);
      expect(await m.configure(net8, never)).toEqual({ restartRequired: false });
      await m.start(never);
      expect((await query(cfg, "dora", "dora-password-1", "SELECT 1")).err).toMatch(LOGIN_REFUSED);

      // Cleared: everyone as before, with the changes made meanwhile.
      expect(await m.configure({ ...net8, allowedCidrs: [] }, never)).toEqual({ restartRequired: false });
      expect(await ok(cfg, "alice", "alice-new-password", "SELECT CURRENT_USER()")).toBe("alice@%");
      expect(await ok(cfg, "dora", "dora-password-1", "SELECT DATABASE()", "shop")).toBe("shop");
      expect(await ok(cfg, "carol", "carol-password-1", "SELECT CURRENT_USER()")).toBe("carol@127.0.0.%");
      await ok(cfg, "root", "root-Password-9", "SELECT 1");
      expect(adminQuery(cfg, "SELECT COUNT(*) FROM mysql.user WHERE Host LIKE '%/%'")).toBe("0");
      await m.disableRoot();
      await m.deleteUser("dora", "");
    });

    it("a change cut short is finished by the next configure", async () => {
      await m.configure({ ...base, ramMb: 1024, allowedCidrs: ["10.0.0.0/8"] }, never);
      // As after a crash between the record and the SQL: the copy is gone, alice@'%' is back.
      adminSql(cfg, "CREATE USER alice@'%' IDENTIFIED BY 'alice-new-password'; DROP USER alice@'10.0.0.0/255.0.0.0';");
      await ok(cfg, "alice", "alice-new-password", "SELECT 1");
      await m.configure({ ...base, ramMb: 1024, allowedCidrs: ["10.0.0.0/8"] }, never);
      expect((await query(cfg, "alice", "alice-new-password", "SELECT 1")).err).toMatch(LOGIN_REFUSED);
      await m.configure({ ...base, ramMb: 1024 }, never);
      await ok(cfg, "alice", "alice-new-password", "SELECT 1");
    });

    it("switches the slow log, reads it, and follows it with a cursor", async () => {
      const settings = { ...base, ramMb: 1024, parameters: { long_query_time: "0.2" } };
      await m.configure(settings, never);
      expect((await m.logs.listLogs()).map((l) => [l.name, l.type, l.enabled])).toEqual([
        ["error", "SYS", true],
        ["general", "USER", false],
        ["slow", "USER", false],
      ]);
      expect(await m.logs.setLogEnabled("slow", true, never)).toMatchObject({ name: "slow", enabled: true });
      expect(globalVariable(cfg, "slow_query_log")).toBe("1");
      // MariaDB writes a slow-log entry after the client has its result: read until it is there.
      const readUntil = async (needle: string, cursor?: string) => {
        for (let tries = 0; ; tries++) {
          const chunk = await m.logs.readLog("slow", { maxBytes: 64 * 1024, ...(cursor ? { cursor } : {}) });
          if (chunk.text.includes(needle) || tries >= 100) return chunk;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };
      await ok(cfg, "alice", "alice-new-password", "SELECT SLEEP(0.3), 'first slow one'");
      const first = await readUntil("first slow one");
      expect(first.text).toContain("first slow one");
      expect((await m.logs.readLog("slow", { cursor: first.cursor, maxBytes: 64 * 1024 })).text).toBe("");
      await ok(cfg, "alice", "alice-new-password", "SELECT SLEEP(0.3), 'second slow one'");
      const next = await readUntil("second slow one", first.cursor);
      expect(next.text).toContain("second slow one");
      expect(next.text).not.toContain("first slow one");
      expect((await m.logs.readLog("slow", { lines: 3, maxBytes: 64 * 1024 })).text.trimEnd().split("\n")).toHaveLength(3);

      // The switch outlives a configure that says nothing about it, and a restart.
      await m.configure(settings, never);
      await m.restart(never);
      expect(globalVariable(cfg, "slow_query_log")).toBe("1");
      // A configuration group that sets it has the last word, until the next SetLogEnabled.
      await m.configure({ ...settings, parameters: { ...settings.parameters, slow_query_log: "OFF" } }, never);
      expect((await m.logs.listLogs()).find((l) => l.name === "slow")?.enabled).toBe(false);
      expect(globalVariable(cfg, "slow_query_log")).toBe("0");
      await m.configure({ ...settings, parameters: { slow_query_log: "ON" } }, never);
      expect((await m.logs.listLogs()).find((l) => l.name === "slow")?.enabled).toBe(true);

      await expect(m.logs.setLogEnabled("error", false, never)).rejects.toBeInstanceOf(DatastorePreconditionError);
      await expect(m.logs.readLog("audit", { maxBytes: 100 })).rejects.toBeInstanceOf(DatastoreNotFoundError);
    });

    it("rotates a log past its cap while the server keeps writing, and deletes the oldest", async () => {
      await m.logs.setLogEnabled("general", true, never);
      const generalLog = join(cfg.logDir, "general.log");
      const fill = async (tag: string): Promise<void> => {
        await ok(cfg, "alice", "alice-new-password", `SELECT '${tag}', '${"x".repeat(limits.maxFileBytes)}'`);
      };
      await fill("gen-a");
      const before = await m.logs.readLog("general", { maxBytes: 1024 * 1024 });
      await m.logs.rotate();
      expect(existsSync(`${generalLog}.1`)).toBe(true);
      await ok(cfg, "alice", "alice-new-password", "SELECT 'after the first rotation'");
      expect(await readFile(generalLog, "utf8")).toContain("after the first rotation"); // reopened, not writing to .1
      const followed = await m.logs.readLog("general", { cursor: before.cursor, maxBytes: 1024 * 1024 });
      expect(followed.text).toContain("after the first rotation");
      expect(followed.text).not.toContain("gen-a");

      for (const tag of ["gen-b", "gen-c", "gen-d"]) {
        await fill(tag);
        await m.logs.rotate();
      }
      const names = (await readdir(cfg.logDir)).filter((n) => n.startsWith("general.log")).sort();
      expect(names).toEqual(["general.log", "general.log.1", "general.log.2"]);
      expect(await readFile(`${generalLog}.1`, "utf8")).toContain("gen-d");
      const listed = (await m.logs.listLogs()).find((l) => l.name === "general");
      expect(listed?.sizeBytes).toBeGreaterThan(2 * limits.maxFileBytes);
      await ok(cfg, "alice", "alice-new-password", "SELECT 'still logging'");
      expect((await m.logs.readLog("general", { lines: 5, maxBytes: 64 * 1024 })).text).toContain("still logging");
      await m.logs.rotate(); // nothing due: a no-op
      expect((await readdir(cfg.logDir)).filter((n) => n.startsWith("general.log")).sort()).toEqual(names);
      await m.stop(never);
    });
  });
});

/** The baseline: mariadb-install-db, mariadbd, and a first query over the socket, by hand. */
async function installDbAndStart(home: string, id: string, runAs: InstanceLayout["runAs"]): Promise<number> {
  const { host, port } = await freeAddress(3306);
  const dataDir = join(home, "baseline", id);
  const runDir = join(home, "r", id);
  await mkdir(join(home, "baseline"), { recursive: true, mode: 0o755 });
  await mkdir(dataDir, { mode: 0o700 });
  await mkdir(runDir, { mode: 0o700 });
  if (runAs) execFileSync("chown", [`${runAs.uid}:${runAs.gid}`, dataDir, runDir]);
  const as = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
  const socket = join(runDir, "s.sock");
  const began = performance.now();
  execFileSync("/usr/bin/mariadb-install-db", ["--no-defaults", `--datadir=${dataDir}`, "--auth-root-authentication-method=socket", "--skip-test-db"], {
    ...as,
    cwd: "/",
    stdio: "ignore",
  });
  const server = spawn(join(BIN_DIR, "mariadbd"), ["--no-defaults", `--datadir=${dataDir}`, `--socket=${socket}`, `--bind-address=${host}`, `--port=${port}`, `--pid-file=${join(runDir, "p.pid")}`], {
    ...as,
    cwd: "/",
    stdio: "ignore",
  });
  try {
    for (;;) {
      try {
        execFileSync(CLIENT, ["--no-defaults", `--socket=${socket}`, "--user=root", "-e", "SELECT 1"], { stdio: "ignore" });
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    return performance.now() - began;
  } finally {
    server.kill("SIGTERM");
    await new Promise((resolve) => server.once("exit", resolve));
  }
}
