// The state layer against real databases: a fresh SQLite file and a fresh PostgreSQL database
// (hoard_test_<random> on 127.0.0.1:5432, user postgres, dropped afterwards) are migrated on start-up
// and then used the way the services use them.

import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, defaultDatabaseUrl, isUniqueViolation, migrateDb, type Db } from "../../services/platform/db/index.js";

const REPO = resolve(import.meta.dirname, "../..");

/** Every committed migration of a provider, in the order they apply. */
function committedMigrations(provider: "sqlite" | "postgresql"): string[] {
  return readdirSync(join(REPO, "prisma", provider, "migrations"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}
const PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres";
const SLOW = { timeout: 60_000 };

async function pgAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function pgAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Times migrateDb on a database that is already up to date (best of 5). */
async function timeUpToDate(url: string): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    expect((await migrateDb(url)).applied).toEqual([]);
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/** What every store does with the schema; the same on both databases. */
function exerciseSchema(label: string, getDb: () => Db): void {
  it(`${label}: stores a project, datastore, flavor, instance, task and event`, async () => {
    const db = getDb();
    const project = await db.project.create({ data: { name: "acme" } });
    const datastore = await db.datastore.create({ data: { name: "postgresql" } });
    const version = await db.datastoreVersion.create({
      data: { datastoreId: datastore.id, name: "15", manager: "postgresql", binDir: "/usr/lib/postgresql/15/bin" },
    });
    await db.datastore.update({ where: { id: datastore.id }, data: { defaultVersionId: version.id } });
    const flavor = await db.flavor.create({ data: { name: "small", vcpus: 1, ramMb: 1024 } });
    await db.apiToken.create({
      data: { projectId: project.id, name: "ci", tokenHash: "a".repeat(64), roles: "admin,member" },
    });

    const reportAt = new Date("2025-01-02T03:04:05.678Z");
    const instance = await db.instance.create({
      data: {
        projectId: project.id,
        name: "db1",
        activeName: "db1",
        flavorId: flavor.id,
        datastoreVersionId: version.id,
        volumeSizeGb: 1,
        taskStatus: "BUILDING",
        serviceStatus: "NEW",
        computeStatus: "NONE",
        lastReportAt: reportAt,
        volumeUsedBytes: 5n * 2n ** 40n, // 5 TiB: beyond 32 bits
      },
    });
    await db.task.create({
      data: {
        instanceId: instance.id,
        kind: "CREATE",
        state: "PENDING",
        step: "start",
        payload: JSON.stringify({ flavor: "small" }),
        deadlineAt: new Date(Date.now() + 60_000),
      },
    });
    await db.instanceEvent.create({ data: { instanceId: instance.id, kind: "CREATED", message: "instance created" } });

    const read = await db.instance.findUniqueOrThrow({
      where: { id: instance.id },
      include: { tasks: true, events: true, datastoreVersion: { include: { datastore: true } } },
    });
    expect(read.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(read.volumeUsedBytes).toBe(5n * 2n ** 40n);
    expect(read.lastReportAt?.toISOString()).toBe(reportAt.toISOString());
    expect(read.tasks).toHaveLength(1);
    expect(read.tasks[0]?.attempts).toBe(0);
    expect(read.events.map((e) => e.kind)).toEqual(["CREATED"]);
    expect(read.datastoreVersion.datastore.defaultVersionId).toBe(version.id);

    const leased = await db.task.findMany({ where: { state: "PENDING", leaseExpiresAt: null } });
    expect(leased).toHaveLength(1);
  });

  it(`${label}: refuses a second live instance with the same name in a project, until the first is deleted`, async () => {
    const db = getDb();
    const project = await db.project.findUniqueOrThrow({ where: { name: "acme" } });
    const other = await db.project.create({ data: { name: "other" } });
    const first = await db.instance.findFirstOrThrow({ where: { projectId: project.id, name: "db1" } });
    const again = (projectId: string) => ({
      projectId,
      name: "db1",
      activeName: "db1",
      flavorId: first.flavorId,
      datastoreVersionId: first.datastoreVersionId,
      volumeSizeGb: 1,
      taskStatus: "BUILDING",
      serviceStatus: "NEW",
      computeStatus: "NONE",
    });

    const refused = await db.instance.create({ data: again(project.id) }).catch((err: unknown) => err);
    expect(isUniqueViolation(refused)).toBe(true);
    // The name is per project: another project may use it.
    await db.instance.create({ data: again(other.id) });

    // Deleting clears activeName; the name is free again, and the deleted row stays for history.
    await db.instance.update({ where: { id: first.id }, data: { deletedAt: new Date(), activeName: null } });
    const reborn = await db.instance.create({ data: again(project.id) });
    expect(reborn.id).not.toBe(first.id);
    expect(await db.instance.count({ where: { projectId: project.id, name: "db1" } })).toBe(2);
    expect(await db.instance.count({ where: { projectId: project.id, name: "db1", deletedAt: null } })).toBe(1);
  });
}

describe("SQLite state", SLOW, () => {
  const home = mkdtempSync(join(tmpdir(), "hoard-state-"));
  const url = defaultDatabaseUrl(join(home, "nested"));
  let db: Db;

  beforeAll(async () => {
    // Two processes starting together: one applies, the other waits for it and finds nothing to do.
    const results = await Promise.all([migrateDb(url), migrateDb(url)]);
    expect(results.map((r) => r.applied).sort()).toEqual([[], committedMigrations("sqlite")]);
    db = createDb(url);
  }, 60_000);

  afterAll(async () => {
    await db?.$disconnect();
    rmSync(home, { recursive: true, force: true });
  });

  it("is tuned for several processes: WAL, busy timeout, synchronous=NORMAL", async () => {
    const pragma = async (name: string) =>
      Object.values((await db.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${name}`))[0] ?? {})[0];
    await expect(pragma("journal_mode")).resolves.toBe("wal");
    expect(Number(await pragma("busy_timeout"))).toBe(5000);
    expect(Number(await pragma("synchronous"))).toBe(1); // NORMAL
  });

  exerciseSchema("sqlite", () => db);

  it("migrateDb is quick when nothing is pending", async () => {
    const ms = await timeUpToDate(url);
    console.log(`migrateDb on an up-to-date SQLite database: ${ms.toFixed(1)} ms (best of 5)`);
  });
});

const pgUp = await pgAnswers();
if (!pgUp) console.warn("SKIPPING PostgreSQL state tests: no PostgreSQL server answers on 127.0.0.1:5432 as user postgres");

describe.skipIf(!pgUp)("PostgreSQL state", SLOW, () => {
  const name = `hoard_test_${randomBytes(6).toString("hex")}`;
  const url = `postgresql://postgres@127.0.0.1:5432/${name}`;
  let db: Db;

  beforeAll(async () => {
    await pgAdmin(`CREATE DATABASE "${name}"`);
    const results = await Promise.all([migrateDb(url), migrateDb(url)]);
    expect(results.map((r) => r.applied).sort()).toEqual([[], committedMigrations("postgresql")]);
    db = createDb(url);
  }, 60_000);

  afterAll(async () => {
    await db?.$disconnect();
    await pgAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });

  exerciseSchema("postgresql", () => db);

  it("migrateDb is quick when nothing is pending", async () => {
    const ms = await timeUpToDate(url);
    console.log(`migrateDb on an up-to-date PostgreSQL database: ${ms.toFixed(1)} ms (best of 5)`);
  });
});

describe("migrateDb errors", () => {
  it("names an unsupported URL scheme without echoing the URL", async () => {
    await expect(migrateDb("mysql://root:secret@localhost/db")).rejects.toThrow(/unsupported database URL scheme mysql:/);
    await expect(migrateDb("mysql://root:secret@localhost/db")).rejects.not.toThrow(/secret/);
  });

  it("reports a failing migration, and refuses to go on until it is resolved", SLOW, async () => {
    // A copy of the repository's SQLite migrations plus a broken one.
    const root = mkdtempSync(join(tmpdir(), "hoard-root-"));
    try {
      symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"));
      symlinkSync(join(REPO, "services"), join(root, "services"));
      cpSync(join(REPO, "prisma.config.ts"), join(root, "prisma.config.ts"));
      cpSync(join(REPO, "prisma/sqlite"), join(root, "prisma/sqlite"), { recursive: true });
      mkdirSync(join(root, "prisma/sqlite/migrations/0002_broken"));
      writeFileSync(join(root, "prisma/sqlite/migrations/0002_broken/migration.sql"), 'CREATE TABLE "nope" (;');
      const url = `file:${join(root, "hoard.db")}`;

      await expect(migrateDb(url, { root })).rejects.toThrow(/database migration failed[\s\S]*0002_broken/);
      await expect(migrateDb(url, { root })).rejects.toThrow(/P3009[\s\S]*0002_broken/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("says when the PostgreSQL server cannot be reached", async () => {
    await expect(migrateDb("postgresql://postgres@127.0.0.1:1/none")).rejects.toThrow(/cannot open the postgresql database/);
  });
});
