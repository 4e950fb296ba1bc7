// PostgreSQL backups and restores against the real binaries: a base backup of a serving instance
// restored into a new instance on another address, compared table by table as a user sees them.
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backgroundWriter, failingHalfway, replay, takeBackup, truncated, type TakenBackup } from "./backup-fixtures.js";
import { freeAddress, serverAccount } from "./fixtures.js";
import type { DatastoreManager, InstanceLayout, PrepareSpec, RestoreSpec } from "../../agent/src/datastores/manager.js";
import { createPostgresqlManager, DatastorePreconditionError } from "../../agent/src/datastores/postgresql/index.js";
import { DatastoreBackupStreamError } from "../../agent/src/datastores/errors.js";

const BIN_DIR = process.env.HOARD_PG_BIN_DIR ?? "/usr/lib/postgresql/15/bin";
const never = new AbortController().signal;
const ROWS = 10_000;

describe.skipIf(!existsSync(join(BIN_DIR, "pg_basebackup")))("postgresql backups", { timeout: 180_000 }, () => {
  let home: string;
  const managers: DatastoreManager[] = [];
  const runAs = serverAccount(["postgres"]);
  const timings: Record<string, number> = {};
  const password = "alice-Secret-1";
  const spec: PrepareSpec = {
    ramMb: 512,
    vcpus: 2,
    parameters: {},
    allowedCidrs: [],
    databases: [{ name: "shop" }],
    users: [{ name: "alice", password, databases: ["shop"] }],
    adminPassword: "admin-Secret-1",
  };
  const restoreSpec: RestoreSpec = { ramMb: 256, vcpus: 1, parameters: { work_mem: "8MB" }, allowedCidrs: [], adminPassword: "other-Admin-2" };

  async function makeLayout(id: string): Promise<InstanceLayout> {
    const root = join(home, "i", id);
    const { host, port } = await freeAddress(5432);
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
    const manager = createPostgresqlManager(layout, { startTimeoutSeconds: 60, stopTimeoutSeconds: 30 });
    managers.push(manager);
    return manager;
  }

  async function sql<T>(layout: InstanceLayout, database: string, text: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ host: layout.host, port: layout.port, user: "alice", password, database, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** Row count and an md5 of the table's rows in id order: equal only when the content is. */
  const fingerprint = async (layout: InstanceLayout, database: string, table: string): Promise<{ rows: number; md5: string }> => {
    const [row] = await sql<{ rows: string; md5: string }>(
      layout,
      database,
      `SELECT count(*) AS rows, md5(coalesce(string_agg(t::text, '|' ORDER BY id), '')) AS md5 FROM ${table} t`,
    );
    return { rows: Number(row!.rows), md5: row!.md5 };
  };

  let source: InstanceLayout;
  let manager: DatastoreManager;
  let backup: TakenBackup;
  const atBackup: Record<string, { rows: number; md5: string }> = {};
  let eventsBefore = 0;
  let eventsAfter = 0;
  let writtenDuringBackup = 0;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "hoard-pgbk-"));
    await chmod(home, 0o755);
    source = await makeLayout("src");
    manager = manage(source);
    await manager.prepare(spec, never);
    await manager.createDatabase({ name: "ledger" });
    await manager.grantAccess("alice", "", ["ledger"]);
    await sql(source, "shop", "CREATE TABLE items (id int PRIMARY KEY, name text, price numeric, tags jsonb)");
    await sql(source, "shop", `INSERT INTO items SELECT g, 'item ' || g, g * 1.25, jsonb_build_object('n', g) FROM generate_series(1, ${ROWS}) g`);
    await sql(source, "shop", "CREATE TABLE events (id int PRIMARY KEY, at timestamptz DEFAULT now())");
    await sql(source, "ledger", "CREATE TABLE entries (id bigint PRIMARY KEY, amount bigint, memo text)");
    await sql(source, "ledger", `INSERT INTO entries SELECT g, g * 7 % 1000, md5(g::text) FROM generate_series(1, ${ROWS}) g`);
  });

  afterAll(async () => {
    for (const m of managers) await m.stop(never).catch(() => {});
    if (home) await rm(home, { recursive: true, force: true });
    console.log("postgresql backup timings (ms)", timings, "backup bytes", backup?.bytes.length);
  }, 60_000);

  it("backs up while a writer keeps inserting, and reports the WAL range", async () => {
    atBackup.items = await fingerprint(source, "shop", "items");
    atBackup.entries = await fingerprint(source, "ledger", "entries");
    expect(atBackup.items.rows).toBe(ROWS);
    const writer = backgroundWriter((n) => sql(source, "shop", "INSERT INTO events (id) VALUES ($1)", [n]));
    await new Promise((resolve) => setTimeout(resolve, 200));
    eventsBefore = writer.count();
    backup = await takeBackup(manager.backups);
    eventsAfter = writer.count();
    const total = await writer.stop();
    writtenDuringBackup = eventsAfter - eventsBefore;
    timings.backup = backup.ms;

    expect(total).toBeGreaterThan(eventsAfter - 1);
    expect(writtenDuringBackup).toBeGreaterThan(0); // the server kept serving while the backup ran
    expect(backup.facts.format).toBe("pg-tar");
    expect(backup.facts.engineVersion).toMatch(/^15\./);
    expect(backup.facts.details).toEqual({ startLsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/), endLsn: expect.stringMatching(/\//), timeline: "1" });
    expect(backup.bytes.subarray(257, 262).toString()).toBe("ustar"); // a tar
    // Later writes: the restored instance must not have them.
    await sql(source, "shop", `INSERT INTO items SELECT g, 'later', 0, '{}' FROM generate_series(${ROWS + 1}, ${ROWS + 500}) g`);
    await sql(source, "ledger", "DELETE FROM entries WHERE id <= 100");
    const slots = await sql<{ n: string }>(source, "shop", "SELECT count(*) AS n FROM pg_replication_slots");
    expect(slots).toEqual([{ n: "0" }]); // the backup's temporary slot went with its session
  });

  it("restores the point in time into a new instance on another address, with this instance's settings", async () => {
    const layout = await makeLayout("r1");
    const restored = manage(layout);
    const began = performance.now();
    await restored.backups.restore(replay(backup.bytes), restoreSpec, never);
    timings.restore = performance.now() - began;

    expect(await restored.isPrepared()).toBe(true);
    expect(await restored.probe()).toEqual({ state: "HEALTHY", restartPending: false });
    expect(await fingerprint(layout, "shop", "items")).toEqual(atBackup.items);
    expect(await fingerprint(layout, "ledger", "entries")).toEqual(atBackup.entries);
    // The writer's rows up to some moment inside the backup, without a gap: one point in time.
    const [events] = await sql<{ n: string; max: number | null }>(layout, "shop", "SELECT count(*) AS n, max(id) AS max FROM events");
    expect(Number(events!.n)).toBeGreaterThanOrEqual(eventsBefore);
    expect(Number(events!.n)).toBeLessThanOrEqual(eventsAfter);
    expect(events!.max ?? 0).toBe(Number(events!.n));
    // This instance's settings, the source's databases and users.
    expect(await sql(layout, "shop", "SHOW work_mem")).toEqual([{ work_mem: "8MB" }]);
    expect(await sql(layout, "shop", "SHOW shared_buffers")).toEqual([{ shared_buffers: "64MB" }]);
    expect((await restored.listDatabases()).map((db) => db.name)).toEqual(["ledger", "shop"]);
    expect(await restored.listUsers()).toEqual([{ name: "alice", host: "", databases: ["ledger", "shop"] }]);
    // And it is an instance like any other: configure, restart, back up again.
    await restored.restart(never);
    expect((await takeBackup(restored.backups)).bytes.length).toBeGreaterThan(0);
    // The source serves on, unchanged by the restore.
    expect((await fingerprint(source, "shop", "items")).rows).toBe(ROWS + 500);
  });

  it("leaves no data directory behind when the stream fails half-way or is cut short; a new restore then works", async () => {
    const layout = await makeLayout("r2");
    const restored = manage(layout);
    await expect(restored.backups.restore(failingHalfway(backup.bytes), restoreSpec, never)).rejects.toThrow(DatastoreBackupStreamError);
    expect(existsSync(layout.dataDir)).toBe(false);
    expect(await readdir(join(layout.root, "volume"))).toEqual([]);
    expect(await restored.isPrepared()).toBe(false);
    await expect(restored.backups.restore(truncated(backup.bytes), restoreSpec, never)).rejects.toThrow(/tar|backup/);
    expect(existsSync(layout.dataDir)).toBe(false);

    await restored.backups.restore(replay(backup.bytes), restoreSpec, never);
    expect(await fingerprint(layout, "ledger", "entries")).toEqual(atBackup.entries);
  });

  it("refuses to restore over a prepared instance", async () => {
    await expect(manager.backups.restore(replay(backup.bytes), restoreSpec, never)).rejects.toThrow(DatastorePreconditionError);
    expect((await fingerprint(source, "shop", "items")).rows).toBe(ROWS + 500);
  });

  it("cancels a backup whose stream is destroyed, and refuses tablespaces and a stopped server", async () => {
    const cancelled = await manager.backups.backup(never);
    cancelled.data.destroy();
    await expect(cancelled.done).rejects.toThrow();
    await expect(manager.backups.backup(AbortSignal.abort())).rejects.toThrow(/abort/i);

    const dir = join(home, "tablespace");
    await mkdir(dir, { mode: 0o700 });
    if (runAs) await chown(dir, runAs.uid, runAs.gid);
    const admin = new pg.Client({ host: source.runDir, port: source.port, user: "postgres", database: "postgres" });
    await admin.connect();
    try {
      await admin.query(`CREATE TABLESPACE extra LOCATION '${dir}'`);
      await expect(manager.backups.backup(never)).rejects.toThrow(/tablespaces outside the data directory \(extra\)/);
      await admin.query("DROP TABLESPACE extra");
      const slots = await admin.query("SELECT count(*)::int AS n FROM pg_replication_slots");
      expect(slots.rows).toEqual([{ n: 0 }]);
    } finally {
      await admin.end();
    }

    await manager.stop(never);
    await expect(manager.backups.backup(never)).rejects.toThrow(DatastorePreconditionError);
    await manager.start(never);
  });
});
