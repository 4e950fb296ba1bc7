// MariaDB backups and restores against the real binaries: a mariadb-backup of a serving instance
// restored into a new instance on another address, compared table by table as a user sees them
// through the command-line client over TCP.
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backgroundWriter, failingHalfway, replay, takeBackup, truncated, type TakenBackup } from "./backup-fixtures.js";
import { freeAddress, serverAccount } from "./fixtures.js";
import { DatastoreBackupStreamError, DatastorePreconditionError } from "../../agent/src/datastores/errors.js";
import type { DatastoreManager, InstanceLayout, PrepareSpec, RestoreSpec } from "../../agent/src/datastores/manager.js";
import { createMariadbManager } from "../../agent/src/datastores/mariadb/index.js";
import type { AdminAuth } from "../../agent/src/datastores/mysql/index.js";

const BIN_DIR = process.env.HOARD_MARIADB_BIN_DIR ?? "/usr/sbin";
const CLIENT = "/usr/bin/mariadb";
const never = new AbortController().signal;
const ROWS = 10_000;
const run = promisify(execFile);

describe.skipIf(!existsSync(join(BIN_DIR, "mariadbd")) || !existsSync("/usr/bin/mariadb-backup"))("mariadb backups", { timeout: 180_000 }, () => {
  let home: string;
  const managers: DatastoreManager[] = [];
  const runAs = serverAccount(["hoard", "mysql"]);
  const timings: Record<string, number> = {};
  const password = "alice-Secret-1";
  const spec: PrepareSpec = {
    ramMb: 512,
    vcpus: 2,
    parameters: {},
    allowedCidrs: ["127.0.0.0/8"], // alice@'%' stands as a copy per network: the backup must carry that record
    databases: [{ name: "shop" }],
    users: [{ name: "alice", password, databases: ["shop"] }],
    adminPassword: "admin-Secret-1",
  };
  const restoreSpec: RestoreSpec = { ramMb: 256, vcpus: 1, parameters: { max_connections: "30" }, allowedCidrs: [], adminPassword: "other-Admin-2" };

  async function makeLayout(id: string): Promise<InstanceLayout> {
    const root = join(home, "i", id);
    const { host, port } = await freeAddress(3306);
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

  function manage(layout: InstanceLayout, adminAuth?: AdminAuth): DatastoreManager {
    const manager = createMariadbManager(layout, { startTimeoutSeconds: 60, stopTimeoutSeconds: 30, ...(adminAuth ? { adminAuth } : {}) });
    managers.push(manager);
    return manager;
  }

  /** SQL as alice over TCP; the rows, tab-separated. */
  async function sql(layout: InstanceLayout, database: string, text: string): Promise<string> {
    const args = ["--no-defaults", "--protocol=TCP", `--host=${layout.host}`, `--port=${layout.port}`, "--user=alice", `--database=${database}`, "--batch", "--skip-column-names", "-e", text];
    const { stdout } = await run(CLIENT, args, { env: { PATH: "/usr/bin:/bin", MYSQL_PWD: password } });
    return stdout.trim();
  }

  /** SQL as the agent's root@localhost over the socket (unix_socket: the tests run as root). */
  function adminQuery(layout: InstanceLayout, text: string): string {
    return execFileSync(CLIENT, ["--no-defaults", `--socket=${join(layout.runDir, "mysqld.sock")}`, "--user=root", "--batch", "--skip-column-names", "-e", text], { encoding: "utf8" }).trim();
  }

  /** Row count and an md5 of the table's rows in id order. */
  const fingerprint = (layout: InstanceLayout, database: string, table: string, columns: string): Promise<string> =>
    sql(layout, database, `SET SESSION group_concat_max_len = 1073741824; SELECT COUNT(*), MD5(COALESCE(GROUP_CONCAT(CONCAT_WS(',', ${columns}) ORDER BY id SEPARATOR '|'), '')) FROM ${table}`);

  let source: InstanceLayout;
  let manager: DatastoreManager;
  let backup: TakenBackup;
  const atBackup: Record<string, string> = {};
  let eventsBefore = 0;
  let eventsAfter = 0;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "hoard-mdbbk-"));
    await chmod(home, 0o755);
    source = await makeLayout("src");
    manager = manage(source);
    await manager.prepare(spec, never);
    await manager.createDatabase({ name: "ledger" });
    await manager.grantAccess("alice", "", ["ledger"]);
    const series = `SELECT seq AS n FROM seq_1_to_${ROWS}`; // the Sequence engine, built into MariaDB
    await sql(source, "shop", `CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(10,2)); INSERT INTO items SELECT n, CONCAT('item ', n), n * 1.25 FROM (${series}) s`);
    await sql(source, "shop", "CREATE TABLE events (id INT PRIMARY KEY, at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)");
    await sql(source, "ledger", `CREATE TABLE entries (id BIGINT PRIMARY KEY, amount BIGINT, memo CHAR(32)) ENGINE=Aria; INSERT INTO entries SELECT n, n * 7 % 1000, MD5(n) FROM (${series}) s`);
  });

  afterAll(async () => {
    for (const m of managers) await m.stop(never).catch(() => {});
    if (home) await rm(home, { recursive: true, force: true });
    console.log("mariadb backup timings (ms)", timings, "backup bytes", backup?.bytes.length);
  }, 60_000);

  it("backs up while a writer keeps inserting, and reports the LSN range", async () => {
    atBackup.items = await fingerprint(source, "shop", "items", "id, name, price");
    atBackup.entries = await fingerprint(source, "ledger", "entries", "id, amount, memo");
    expect(atBackup.items).toMatch(/^10000\t[0-9a-f]{32}$/);
    const writer = backgroundWriter((n) => sql(source, "shop", `INSERT INTO events (id) VALUES (${n})`));
    await new Promise((resolve) => setTimeout(resolve, 200));
    eventsBefore = writer.count();
    backup = await takeBackup(manager.backups);
    eventsAfter = writer.count();
    await writer.stop();
    timings.backup = backup.ms;

    expect(eventsAfter).toBeGreaterThan(eventsBefore); // the server kept serving while the backup ran
    expect(backup.facts.format).toBe("xbstream");
    expect(backup.facts.engineVersion).toMatch(/^10\.11\..*MariaDB/);
    expect(backup.facts.details).toMatchObject({ backupType: "full-backuped", fromLsn: "0", toLsn: expect.stringMatching(/^\d+$/) });
    expect(backup.bytes.subarray(0, 8).toString()).toBe("XBSTCK01");
    await sql(source, "shop", `INSERT INTO items VALUES (${ROWS + 1}, 'later', 0)`);
    await sql(source, "ledger", "DELETE FROM entries WHERE id <= 100");
  });

  it("restores the point in time into a new instance on another address, with this instance's settings and networks", async () => {
    const layout = await makeLayout("r1");
    const restored = manage(layout);
    const began = performance.now();
    await restored.backups.restore(replay(backup.bytes), restoreSpec, never);
    timings.restore = performance.now() - began;

    expect(await restored.isPrepared()).toBe(true);
    expect(await restored.probe()).toEqual({ state: "HEALTHY" });
    expect(await fingerprint(layout, "shop", "items", "id, name, price")).toBe(atBackup.items);
    expect(await fingerprint(layout, "ledger", "entries", "id, amount, memo")).toBe(atBackup.entries);
    const [count, max] = (await sql(layout, "shop", "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM events")).split("\t").map(Number);
    expect(count).toBeGreaterThanOrEqual(eventsBefore);
    expect(count).toBeLessThanOrEqual(eventsAfter);
    expect(max).toBe(count); // every insert up to one moment, none after: a point in time
    expect(await sql(layout, "shop", "SELECT @@max_connections, @@innodb_buffer_pool_size")).toBe(`30\t${128 * 1024 * 1024}`);
    expect((await restored.listDatabases()).map((db) => db.name)).toEqual(["ledger", "shop"]);
    // The source's per-network copy of alice@'%' became one alice@'%' again: this instance allows every network.
    expect(await restored.listUsers()).toEqual([{ name: "alice", host: "%", databases: ["ledger", "shop"] }]);
    expect(adminQuery(layout, "SELECT Host FROM mysql.user WHERE User = 'alice'")).toBe("%");
    await restored.restart(never);
    expect((await takeBackup(restored.backups)).facts.details.toLsn).toMatch(/^\d+$/);
  });

  it("takes an incremental backup of only what changed; the full backup and it restore to the increment's point in time", async () => {
    const increment = await takeBackup(manager.backups, never, { details: backup.facts.details });
    expect(increment.facts.details).toMatchObject({ backupType: "incremental", fromLsn: backup.facts.details.toLsn, toLsn: expect.stringMatching(/^\d+$/) });
    expect(increment.bytes.length).toBeLessThan(backup.bytes.length);
    const atIncrement = {
      items: await fingerprint(source, "shop", "items", "id, name, price"),
      entries: await fingerprint(source, "ledger", "entries", "id, amount, memo"),
    };
    expect(atIncrement.items).not.toBe(atBackup.items);
    expect(atIncrement.entries).not.toBe(atBackup.entries);
    await sql(source, "shop", `INSERT INTO items VALUES (${ROWS + 2}, 'after the increment', 0)`);

    const layout = await makeLayout("r3");
    const restored = manage(layout);
    await restored.backups.restore(replay(backup.bytes), restoreSpec, never, [() => Promise.resolve(replay(increment.bytes))]);
    expect(await fingerprint(layout, "shop", "items", "id, name, price")).toBe(atIncrement.items);
    expect(await fingerprint(layout, "ledger", "entries", "id, amount, memo")).toBe(atIncrement.entries);

    // A chain that is not full-then-increments is refused, leaving nothing behind: an increment
    // restored alone, or a full backup where an increment belongs.
    const wrong = await makeLayout("r4");
    const refused = manage(wrong);
    await expect(refused.backups.restore(replay(increment.bytes), restoreSpec, never)).rejects.toThrow(/the backup to restore first is not a full backup \(it is incremental\)/);
    const full = () => Promise.resolve(replay(backup.bytes));
    await expect(refused.backups.restore(replay(backup.bytes), restoreSpec, never, [full])).rejects.toThrow(/incremental backup 1 of 1 is not an incremental backup/);
    expect(existsSync(wrong.dataDir)).toBe(false);
    expect(await readdir(join(wrong.root, "volume"))).toEqual([]);
    await sql(source, "shop", `DELETE FROM items WHERE id = ${ROWS + 2}`);
  });

  it("leaves no data directory behind when the stream fails half-way or is cut short; a new restore then works", async () => {
    const layout = await makeLayout("r2");
    const restored = manage(layout, "password"); // the agent then logs in with the restore's admin password
    await expect(restored.backups.restore(failingHalfway(backup.bytes), restoreSpec, never)).rejects.toThrow(DatastoreBackupStreamError);
    expect(existsSync(layout.dataDir)).toBe(false);
    expect(await readdir(join(layout.root, "volume"))).toEqual([]);
    await expect(restored.backups.restore(truncated(backup.bytes), restoreSpec, never)).rejects.toThrow(/mbstream|backup/);
    expect(existsSync(layout.dataDir)).toBe(false);
    expect(await restored.isPrepared()).toBe(false);

    await restored.backups.restore(replay(backup.bytes), { ...restoreSpec, allowedCidrs: ["127.0.0.0/8", "10.0.0.0/8"] }, never);
    expect(await fingerprint(layout, "ledger", "entries", "id, amount, memo")).toBe(atBackup.entries);
    expect(await restored.listUsers()).toEqual([{ name: "alice", host: "%", databases: ["ledger", "shop"] }]);
    expect(adminQuery(layout, "SELECT Host FROM mysql.user WHERE User = 'alice' ORDER BY Host")).toBe("10.0.0.0/255.0.0.0\n127.0.0.0/255.0.0.0");
  });

  it("refuses a prepared instance, a stopped server, and cancels a backup whose stream is destroyed", async () => {
    await expect(manager.backups.restore(replay(backup.bytes), restoreSpec, never)).rejects.toThrow(DatastorePreconditionError);
    const cancelled = await manager.backups.backup(never);
    cancelled.data.destroy();
    await expect(cancelled.done).rejects.toThrow();
    expect(await readdir(source.runDir)).not.toContainEqual(expect.stringMatching(/^backup-/)); // its scratch directory is gone
    await manager.stop(never);
    await expect(manager.backups.backup(never)).rejects.toThrow(DatastorePreconditionError);
    await manager.start(never);
    expect(await sql(source, "shop", "SELECT COUNT(*) FROM items")).toBe(String(ROWS + 1));
  });
});
