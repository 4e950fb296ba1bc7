// Project quotas on real SQLite and PostgreSQL, through the stores the gateway and the taskmanager
// use: many concurrent creates against a small quota let exactly the quota through; a resize counts
// its growth (and a resize under way counts at its target); backups count and their stored size
// is capped; scheduled backups are held to the same quotas and say why they skipped; refused
// requests create nothing; deleted instances and failed backups free their share.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createBackupStore } from "../../services/gateway/store/backups.js";
import { createInstanceStore, type InstanceStore, type NewTask } from "../../services/gateway/store/instances.js";
import { createDb, defaultDatabaseUrl, migrateDb, type Db } from "../../services/platform/db/index.js";
import { HoardError } from "../../services/platform/errors.js";
import { createLogger } from "../../services/platform/logger.js";
import { builtInQuotaDefaults, gib, type QuotaLimits } from "../../services/platform/quota.js";
import { createQuotas, type Quotas } from "../../services/platform/store/quota.js";
import { actionPayload } from "../../services/platform/task-payload.js";
import { fireDueSchedules } from "../../services/taskmanager/scheduler/fire.js";
import { createScheduleStore } from "../../services/taskmanager/store/schedules.js";
import { pgUp, scratchPostgres } from "./scratch-postgres.js";

const SLOW = { timeout: 120_000 };
const storage = { kind: "file" as const, location: "/nonexistent/backups" };


const task = (kind: NewTask["kind"], payload = ""): NewTask => ({ kind, payload, requestId: "r", deadlineAt: new Date(Date.now() + 60_000) });

/** The code and message a rejected promise carried. */
async function refusal(p: Promise<unknown>): Promise<{ code: Code; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HoardError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("expected a refusal, got success");
}

function exercise(label: string, getDb: () => Db): void {
  let db: Db;
  let quotas: Quotas;
  let instances: InstanceStore;
  let projectId: string;
  let versionId: string;
  const flavors: Record<"f256" | "f1024", string> = { f256: "", f1024: "" };

  /** An idle, serving instance written directly (as a finished create leaves it). */
  async function idleInstance(name: string, fields: { volumeSizeGb?: number; flavorId?: string } = {}) {
    return db.instance.create({
      data: {
        projectId,
        name,
        activeName: name,
        flavorId: fields.flavorId ?? flavors.f256,
        datastoreVersionId: versionId,
        volumeSizeGb: fields.volumeSizeGb ?? 1,
        taskStatus: "NONE",
        serviceStatus: "HEALTHY",
        computeStatus: "RUNNING",
      },
    });
  }

  const newInstance = (name: string, volumeSizeGb = 1, flavorId = flavors.f256) =>
    instances.create({ projectId, name, flavorId, datastoreVersionId: versionId, volumeSizeGb }, task("CREATE"));

  const setLimits = (limits: Partial<Record<keyof QuotaLimits, number>>) => quotas.set(db, projectId, limits, []);

  beforeEach(async () => {
    db = getDb();
    quotas = createQuotas(builtInQuotaDefaults);
    instances = createInstanceStore(db, quotas);
    const suffix = randomBytes(4).toString("hex");
    projectId = (await db.project.create({ data: { name: `p-${suffix}` } })).id;
    const datastore = await db.datastore.create({ data: { name: `redis-${suffix}` } });
    versionId = (await db.datastoreVersion.create({ data: { datastoreId: datastore.id, name: "7", manager: "redis", binDir: "/usr/bin" } })).id;
    flavors.f256 = (await db.flavor.create({ data: { name: `f256-${suffix}`, vcpus: 1, ramMb: 256 } })).id;
    flavors.f1024 = (await db.flavor.create({ data: { name: `f1024-${suffix}`, vcpus: 1, ramMb: 1024 } })).id;
  });

  it(`${label}: 20 concurrent creates against an instances quota of 5: exactly 5 are made`, async () => {
    await setLimits({ instances: 5 });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => newInstance(`db${i}`)));
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as HoardError] : []));
    // Messages first: an unexpected failure shows what it was.
    expect(refused.map((e) => e.message)).toEqual(Array.from({ length: 15 }, () => "quota exceeded for instances: 5 in use + 1 requested > limit 5"));
    expect(refused.every((e) => e.code === Code.ResourceExhausted)).toBe(true);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
    expect(await db.instance.count({ where: { projectId } })).toBe(5);
    expect(await db.task.count({ where: { instance: { projectId } } })).toBe(5);
  });

  it(`${label}: concurrent creates against a ram_mb quota stop at the limit, never past it`, async () => {
    await setLimits({ ram_mb: 1000 }); // room for three 256 MiB instances, not four
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => newInstance(`db${i}`)));
    const reasons = results.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error).message] : []));
    expect(reasons).toEqual(Array.from({ length: 9 }, () => "quota exceeded for ram_mb: 768 in use + 256 requested > limit 1000"));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
  });

  it(`${label}: over volume_gb names usage, request and limit, and creates nothing`, async () => {
    await setLimits({ volume_gb: 25 });
    await idleInstance("big", { volumeSizeGb: 20 });
    expect(await refusal(newInstance("more", 10))).toEqual({
      code: Code.ResourceExhausted,
      message: "quota exceeded for volume_gb: 20 in use + 10 requested > limit 25",
    });
    expect(await db.instance.count({ where: { projectId } })).toBe(1);
    expect(await db.task.count({ where: { instance: { projectId } } })).toBe(0);
    await newInstance("fits", 5);
    expect(await db.instance.count({ where: { projectId } })).toBe(2);
  });

  it(`${label}: a deleted instance frees its share; -1 is unlimited; a reset returns to the default`, async () => {
    await setLimits({ instances: 1 });
    const first = await idleInstance("one");
    expect((await refusal(newInstance("two"))).code).toBe(Code.ResourceExhausted);
    await db.instance.update({ where: { id: first.id }, data: { deletedAt: new Date(), activeName: null } });
    await newInstance("two");
    await setLimits({ instances: -1 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => newInstance(`many${i}`)));
    await quotas.set(db, projectId, {}, ["instances"]);
    const lines = await quotas.report(db, projectId);
    expect(lines.find((l) => l.name === "instances")).toEqual({ name: "instances", limit: builtInQuotaDefaults.instances, inUse: 13, overridden: false });
  });

  it(`${label}: resizes count their growth, and a resize under way counts at its target`, async () => {
    await setLimits({ ram_mb: 1500, volume_gb: 10 });
    const a = await idleInstance("a", { volumeSizeGb: 2 });
    const b = await idleInstance("b", { volumeSizeGb: 2 });
    const grow = (id: string, g: { ramMb?: number; volumeGb?: number }) =>
      instances.startTask(id, "RESIZING", task(g.ramMb ? "RESIZE_FLAVOR" : "RESIZE_VOLUME", actionPayload(g.ramMb ? { flavorId: flavors.f1024, ramMb: g.ramMb, vcpus: 1 } : { volumeSizeGb: g.volumeGb ?? 0 })), [], { projectId, ...g });

    // a: 256 -> 1024 fits (512 + 768 = 1280 <= 1500) and is now under way.
    await grow(a.id, { ramMb: 1024 });
    // b: 256 -> 1024 would make 1024 (a's target) + 1024 > 1500.
    expect(await refusal(grow(b.id, { ramMb: 1024 }))).toEqual({
      code: Code.ResourceExhausted,
      message: "quota exceeded for ram_mb: 1280 in use + 768 requested > limit 1500",
    });
    expect((await db.instance.findUniqueOrThrow({ where: { id: b.id } })).taskStatus).toBe("NONE");
    expect(await db.task.count({ where: { instanceId: b.id } })).toBe(0);

    // Volumes: b 2 -> 9 would make 2 + 9 > 10; 2 -> 8 fits exactly.
    expect((await refusal(grow(b.id, { volumeGb: 9 }))).message).toBe("quota exceeded for volume_gb: 4 in use + 7 requested > limit 10");
    await grow(b.id, { volumeGb: 8 });
    const lines = await quotas.report(db, projectId);
    expect(lines.filter((l) => l.name === "ram_mb" || l.name === "volume_gb").map((l) => [l.name, l.inUse])).toEqual([
      ["volume_gb", 10],
      ["ram_mb", 1280],
    ]);

    // Once a's resize has ended (the workflow wrote the new flavor), it counts as its flavor.
    await db.task.updateMany({ where: { instanceId: a.id }, data: { state: "SUCCEEDED", payload: "" } });
    await db.instance.update({ where: { id: a.id }, data: { flavorId: flavors.f1024, taskStatus: "NONE" } });
    expect((await quotas.report(db, projectId)).find((l) => l.name === "ram_mb")?.inUse).toBe(1280);
    // A failed resize frees its target.
    await db.task.updateMany({ where: { instanceId: b.id }, data: { state: "FAILED", payload: "" } });
    expect((await quotas.report(db, projectId)).find((l) => l.name === "volume_gb")?.inUse).toBe(4);
  });

  it(`${label}: concurrent backups of different instances stop at the backups quota; failed ones do not count`, async () => {
    const backups = createBackupStore(db, quotas);
    await setLimits({ backups: 2 });
    const sources = await Promise.all(["a", "b", "c", "d", "e"].map((n) => idleInstance(n)));
    const results = await Promise.allSettled(
      sources.map((s, i) =>
        backups.create({ projectId, instanceId: s.id, name: `bk${i}`, description: "", datastoreVersionId: versionId, volumeSizeGb: 1, storage }, "r"),
      ),
    );
    const reasons = results.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error).message] : []));
    expect(reasons).toEqual(Array.from({ length: 3 }, () => "quota exceeded for backups: 2 in use + 1 requested > limit 2"));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    expect(await db.backup.count({ where: { projectId } })).toBe(2);
    expect(await db.instance.count({ where: { projectId, taskStatus: "BACKING_UP" } })).toBe(2);

    await db.backup.updateMany({ where: { projectId }, data: { state: "FAILED" } });
    await db.instance.updateMany({ where: { projectId }, data: { taskStatus: "NONE" } });
    const idle = sources.find((s) => s.name === "e");
    await backups.create({ projectId, instanceId: idle?.id ?? "", name: "after", description: "", datastoreVersionId: versionId, volumeSizeGb: 1, storage }, "r");
  });

  it(`${label}: backup_gb refuses a new backup once stored backups fill it`, async () => {
    const backups = createBackupStore(db, quotas);
    await setLimits({ backup_gb: 2 });
    const source = await idleInstance("src");
    const stored = (name: string, bytes: bigint, state = "COMPLETED") =>
      db.backup.create({ data: { projectId, instanceId: source.id, name, datastoreVersionId: versionId, volumeSizeGb: 1, state, storageKind: "file", storageLocation: "/x", storedBytes: bytes } });
    await stored("one", BigInt(gib));
    await stored("broken", BigInt(5 * gib), "FAILED");
    const take = (name: string) => backups.create({ projectId, instanceId: source.id, name, description: "", datastoreVersionId: versionId, volumeSizeGb: 1, storage }, "r");
    const first = await take("fits"); // 1 GiB of 2 stored: room left
    await db.backup.update({ where: { id: first.backup.id }, data: { state: "COMPLETED", storedBytes: BigInt(gib) + 1n } });
    await db.instance.update({ where: { id: source.id }, data: { taskStatus: "NONE" } });
    expect(await refusal(take("full"))).toEqual({
      code: Code.ResourceExhausted,
      message: "quota exceeded for backup_gb: 2.0 in use >= limit 2; delete backups to take new ones",
    });
    expect(await db.backup.count({ where: { projectId, name: "full" } })).toBe(0);
    const line = (await quotas.report(db, projectId)).find((l) => l.name === "backup_gb");
    expect(line).toEqual({ name: "backup_gb", limit: 2, inUse: 3, overridden: true }); // 2 GiB + 1 byte, rounded up
  });

  it(`${label}: a scheduled backup over quota skips its run and records why`, async () => {
    await setLimits({ backups: 0 });
    const source = await idleInstance("cache1");
    const schedule = await db.backupSchedule.create({ data: { projectId, instanceId: source.id, cron: "0 3 * * *", keepLast: 2, nextRunAt: new Date(Date.now() - 1000) } });
    const deps = {
      store: createScheduleStore(db, quotas),
      storage,
      addEvent: async (instanceId: string, kind: string, message: string, requestId: string | null) => {
        await db.instanceEvent.create({ data: { instanceId, kind, message, requestId } });
      },
      kick: () => {},
      logger: createLogger("test", "silent"),
    };
    expect(await fireDueSchedules(deps)).toBe(0);
    const after = await db.backupSchedule.findUniqueOrThrow({ where: { id: schedule.id } });
    expect(after.lastError).toBe("quota exceeded for backups: 0 in use + 1 requested > limit 0");
    expect(await db.backup.count({ where: { projectId } })).toBe(0);
    expect((await db.instance.findUniqueOrThrow({ where: { id: source.id } })).taskStatus).toBe("NONE");
    expect((await db.instanceEvent.findMany({ where: { instanceId: source.id } })).map((e) => e.message)).toEqual([`scheduled backup skipped: ${after.lastError}`]);
  });
}

describe("quotas on SQLite", SLOW, () => {
  const home = mkdtempSync(join(tmpdir(), "hoard-quota-"));
  let db: Db;
  beforeAll(async () => {
    const url = defaultDatabaseUrl(home);
    await migrateDb(url);
    db = createDb(url);
  });
  afterAll(async () => {
    await db?.$disconnect();
    rmSync(home, { recursive: true, force: true });
  });
  exercise("sqlite", () => db);
});

if (!pgUp) console.warn("SKIPPING PostgreSQL quota tests: no PostgreSQL server answers on 127.0.0.1:5432 as user postgres");

describe.skipIf(!pgUp)("quotas on PostgreSQL", SLOW, () => {
  const db = scratchPostgres();
  exercise("postgresql", db);
});
