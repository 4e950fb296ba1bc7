// The backup scheduler's database work on real SQLite and PostgreSQL (no agents: it only writes
// rows): a due schedule fires exactly once even when two taskmanagers race for it; a busy instance
// skips the run and says why; a deleted instance's schedule goes; retention deletes the schedule's
// surplus backups (objects first) and leaves hand-made ones, ones a restore is reading and ones
// another backup builds on. And the gateway's DeleteBackup of a backup chain, which follows the same rules.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDb, defaultDatabaseUrl, migrateDb, type Db } from "../../services/platform/db/index.js";
import { createLogger } from "../../services/platform/logger.js";
import { builtInQuotaDefaults } from "../../services/platform/quota.js";
import { createQuotas } from "../../services/platform/store/quota.js";
import { fireDueSchedules, type FireDeps } from "../../services/taskmanager/scheduler/fire.js";
import { pruneScheduledBackups, type PruneDeps } from "../../services/taskmanager/scheduler/prune.js";
import { createScheduleStore, type PrunableBackup } from "../../services/taskmanager/store/schedules.js";
import { deleteBackupTree } from "../../services/gateway/handlers/backup-delete.js";
import { createBackupStore } from "../../services/gateway/store/backups.js";
import { pgUp, scratchPostgres } from "./scratch-postgres.js";

const SLOW = { timeout: 60_000 };
const logger = createLogger("test", "silent");


/** The scheduler's dependencies over `db`, recording what it deleted and kicked. */
function schedulerOver(db: Db) {
  const deletedObjects: string[] = [];
  let kicks = 0;
  const deps: FireDeps & PruneDeps = {
    store: createScheduleStore(db, createQuotas(builtInQuotaDefaults)),
    storage: { kind: "file", location: "/nonexistent/backups" },
    addEvent: async (instanceId, kind, message, requestId) => {
      await db.instanceEvent.create({ data: { instanceId, kind, message, requestId } });
    },
    kick: () => kicks++,
    deleteObjects: async (backup: PrunableBackup) => {
      deletedObjects.push(backup.id);
    },
    logger,
  };
  return { deps, deletedObjects, kicks: () => kicks };
}

function exercise(label: string, getDb: () => Db): void {
  let db: Db;
  let projectId: string;
  let instanceId: string;
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

  async function backup(name: string, fields: { state?: string; scheduled?: boolean; createdAt?: Date; parentId?: string } = {}) {
    const instance = await db.instance.findUniqueOrThrow({ where: { id: instanceId } });
    return db.backup.create({
      data: {
        projectId,
        instanceId,
        name,
        datastoreVersionId: instance.datastoreVersionId,
        volumeSizeGb: 1,
        state: "COMPLETED",
        scheduled: true,
        storageKind: "file",
        storageLocation: "/nonexistent/backups",
        objects: JSON.stringify([{ key: `${name}/full` }]),
        ...fields,
      },
    });
  }

  beforeEach(async () => {
    db = getDb();
    const suffix = randomBytes(4).toString("hex");
    projectId = (await db.project.create({ data: { name: `p-${suffix}` } })).id;
    const datastore = await db.datastore.create({ data: { name: `redis-${suffix}` } });
    const version = await db.datastoreVersion.create({ data: { datastoreId: datastore.id, name: "7", manager: "redis", binDir: "/usr/bin" } });
    const flavor = await db.flavor.create({ data: { name: `tiny-${suffix}`, vcpus: 1, ramMb: 256 } });
    instanceId = (
      await db.instance.create({
        data: {
          projectId,
          name: "cache1",
          activeName: "cache1",
          flavorId: flavor.id,
          datastoreVersionId: version.id,
          volumeSizeGb: 1,
          taskStatus: "NONE",
          serviceStatus: "HEALTHY",
          computeStatus: "RUNNING",
        },
      })
    ).id;
  });

  it(`${label}: a due schedule fires once, even with two taskmanagers racing for it`, async () => {
    const dueAt = new Date(Date.now() - 1000);
    const schedule = await db.backupSchedule.create({ data: { projectId, instanceId, cron: "0 3 * * *", keepLast: 2, nextRunAt: dueAt } });
    const one = schedulerOver(db);
    const two = schedulerOver(db);
    const started = await Promise.all([fireDueSchedules(one.deps), fireDueSchedules(two.deps)]);
    expect(started.sort()).toEqual([0, 1]);
    expect(one.kicks() + two.kicks()).toBe(1);

    const backups = await db.backup.findMany({ where: { instanceId } });
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatchObject({ state: "NEW", scheduled: true, name: expect.stringMatching(/^auto-cache1-\d{8}T\d{6}$/) as string });
    const tasks = await db.task.findMany({ where: { instanceId } });
    expect(tasks).toMatchObject([{ kind: "BACKUP", state: "PENDING", payload: JSON.stringify({ backupId: backups[0]?.id }) }]);
    expect((await db.instance.findUniqueOrThrow({ where: { id: instanceId } })).taskStatus).toBe("BACKING_UP");
    const after = await db.backupSchedule.findUniqueOrThrow({ where: { id: schedule.id } });
    expect(after.lastBackupId).toBe(backups[0]?.id);
    expect(after.lastError).toBeNull();
    expect(after.nextRunAt.toISOString()).toMatch(/T03:00:00\.000Z$/);
    expect(after.nextRunAt.getTime()).toBeGreaterThan(Date.now());

    // Not due any more: nothing fires.
    expect(await fireDueSchedules(one.deps)).toBe(0);
  });

  it(`${label}: a busy instance skips the run, recording why, and the schedule moves on`, async () => {
    await db.instance.update({ where: { id: instanceId }, data: { taskStatus: "RESIZING" } });
    const schedule = await db.backupSchedule.create({ data: { projectId, instanceId, cron: "*/5 * * * * *", keepLast: 1, nextRunAt: minutesAgo(1) } });
    expect(await fireDueSchedules(schedulerOver(db).deps)).toBe(0);
    const after = await db.backupSchedule.findUniqueOrThrow({ where: { id: schedule.id } });
    expect(after.lastError).toBe('instance "cache1" is busy with task RESIZING; try again when it is done');
    expect(after.nextRunAt.getTime()).toBeGreaterThan(Date.now() - 1000);
    expect(await db.backup.count({ where: { instanceId } })).toBe(0);
    expect((await db.instanceEvent.findMany({ where: { instanceId } })).map((e) => e.message)).toEqual([`scheduled backup skipped: ${after.lastError}`]);

    // A stopped server skips too; once it serves again, the next run takes the backup.
    await db.instance.update({ where: { id: instanceId }, data: { taskStatus: "NONE", serviceStatus: "SHUTDOWN" } });
    await db.backupSchedule.update({ where: { id: schedule.id }, data: { nextRunAt: minutesAgo(1) } });
    expect(await fireDueSchedules(schedulerOver(db).deps)).toBe(0);
    expect((await db.backupSchedule.findUniqueOrThrow({ where: { id: schedule.id } })).lastError).toMatch(/not serving \(its server is SHUTDOWN\)/);
    await db.instance.update({ where: { id: instanceId }, data: { serviceStatus: "HEALTHY" } });
    await db.backupSchedule.update({ where: { id: schedule.id }, data: { nextRunAt: minutesAgo(1) } });
    expect(await fireDueSchedules(schedulerOver(db).deps)).toBe(1);
    expect((await db.backupSchedule.findUniqueOrThrow({ where: { id: schedule.id } })).lastError).toBeNull();
  });

  it(`${label}: full_every: increments on the previous scheduled backup until a chain holds full_every, and only for engines that take them`, async () => {
    const schedule = await db.backupSchedule.create({ data: { projectId, instanceId, cron: "0 3 * * *", keepLast: 9, fullEvery: 3, nextRunAt: minutesAgo(1) } });
    const { deps } = schedulerOver(db);
    let run = 0;
    /** Fires the schedule once more and completes the backup it started; returns that backup. */
    async function fireOnce() {
      run++;
      await db.backupSchedule.update({ where: { id: schedule.id }, data: { nextRunAt: minutesAgo(1) } });
      expect(await fireDueSchedules(deps, new Date(Date.now() + run * 1000))).toBe(1);
      const taken = await db.backup.findFirstOrThrow({ where: { instanceId }, orderBy: { createdAt: "desc" } });
      await db.backup.update({ where: { id: taken.id }, data: { state: "COMPLETED" } });
      await db.instance.update({ where: { id: instanceId }, data: { taskStatus: "NONE" } });
      return taken;
    }
    // Redis takes no increments: full every time.
    expect(await fireOnce()).toMatchObject({ kind: "FULL", parentId: null });
    expect(await fireOnce()).toMatchObject({ kind: "FULL", parentId: null });

    const instance = await db.instance.findUniqueOrThrow({ where: { id: instanceId } });
    await db.datastoreVersion.update({ where: { id: instance.datastoreVersionId }, data: { manager: "mariadb" } });
    const chain = [await fireOnce(), await fireOnce(), await fireOnce()];
    expect(chain.map((b) => b.kind)).toEqual(["INCREMENTAL", "INCREMENTAL", "FULL"]);
    const before = await db.backup.findMany({ where: { instanceId }, orderBy: { createdAt: "asc" } });
    expect(chain[0]?.parentId).toBe(before[1]?.id); // the last redis-era full backup
    expect(chain[1]?.parentId).toBe(chain[0]?.id);
    expect(await fireOnce()).toMatchObject({ kind: "INCREMENTAL", parentId: chain[2]?.id });

    // A failed previous backup: the next one is full.
    const failed = await fireOnce();
    await db.backup.update({ where: { id: failed.id }, data: { state: "FAILED" } });
    expect(await fireOnce()).toMatchObject({ kind: "FULL", parentId: null });
    await db.backupSchedule.delete({ where: { id: schedule.id } }); // the other tests' retention passes see every schedule
  });

  it(`${label}: an incremental backup is not started on a parent being deleted`, async () => {
    const parent = await backup("parent", { state: "DELETING" });
    const instance = await db.instance.findUniqueOrThrow({ where: { id: instanceId } });
    const store = createScheduleStore(db, createQuotas(builtInQuotaDefaults));
    const start = store.startBackup(
      { projectId, instanceId, name: "child", description: "", datastoreVersionId: instance.datastoreVersionId, volumeSizeGb: 1, storage: { kind: "file", location: "/x" }, parentId: parent.id },
      "req-test",
    );
    await expect(start).rejects.toThrow(/parent backup is no longer COMPLETED/);
    expect(await db.backup.count({ where: { name: "child" } })).toBe(0);
    expect((await db.instance.findUniqueOrThrow({ where: { id: instanceId } })).taskStatus).toBe("NONE");
  });

  it(`${label}: DeleteBackup of a chain's full backup: refused without cascade, or while a restore reads the chain; with cascade, children first`, async () => {
    const full = await backup("full", { scheduled: false, createdAt: minutesAgo(30) });
    const inc1 = await backup("inc1", { scheduled: false, createdAt: minutesAgo(20), parentId: full.id });
    const inc2 = await backup("inc2", { scheduled: false, createdAt: minutesAgo(10), parentId: inc1.id });
    const store = createBackupStore(db, createQuotas(builtInQuotaDefaults));
    const removed: string[] = [];
    const target = async () => (await store.find(projectId, "full")) ?? expect.fail("full backup missing");
    const remove = async (cascade: boolean) => deleteBackupTree(store, async (b) => void removed.push(b.name), await target(), cascade);

    await expect(remove(false)).rejects.toThrow('backup "full" has 1 incremental backup built on it (2 backups in all depend on it); delete with cascade to delete them too');
    // A restore building from the last increment reads the whole chain.
    const restoring = await db.instance.create({
      data: { ...(await db.instance.findUniqueOrThrow({ where: { id: instanceId }, omit: { id: true, createdAt: true, updatedAt: true } })), name: "copy", activeName: "copy", taskStatus: "BUILDING", sourceBackupId: inc2.id },
    });
    await expect(remove(true)).rejects.toThrow(/instance "copy" is being restored from "full" or a backup built on it/);
    expect((await db.backup.findMany({ where: { instanceId }, orderBy: { name: "asc" } })).map((b) => b.state)).toEqual(["COMPLETED", "COMPLETED", "COMPLETED"]);
    expect(removed).toEqual([]);

    await db.instance.update({ where: { id: restoring.id }, data: { taskStatus: "NONE" } });
    await remove(true);
    expect(removed).toEqual(["inc2", "inc1", "full"]);
    expect(await db.backup.count({ where: { id: { in: [full.id, inc1.id, inc2.id] } } })).toBe(0);
  });

  it(`${label}: the schedule of a deleted instance is removed`, async () => {
    await db.instance.update({ where: { id: instanceId }, data: { deletedAt: new Date(), activeName: null } });
    await db.backupSchedule.create({ data: { projectId, instanceId, cron: "0 3 * * *", keepLast: 1, nextRunAt: minutesAgo(1) } });
    expect(await fireDueSchedules(schedulerOver(db).deps)).toBe(0);
    expect(await db.backupSchedule.count({ where: { instanceId } })).toBe(0);
  });

  it(`${label}: retention deletes surplus scheduled backups, objects first, never hand-made ones`, async () => {
    await db.backupSchedule.create({ data: { projectId, instanceId, cron: "0 3 * * *", keepLast: 2, nextRunAt: new Date(Date.now() + 3_600_000) } });
    const manual = await backup("manual", { scheduled: false, createdAt: minutesAgo(100) });
    const a = await backup("a", { createdAt: minutesAgo(50) });
    const failedOld = await backup("f-old", { state: "FAILED", createdAt: minutesAgo(45) });
    const b = await backup("b", { createdAt: minutesAgo(40) });
    const c = await backup("c", { createdAt: minutesAgo(30) });
    const d = await backup("d", { createdAt: minutesAgo(20) });
    const taking = await backup("e", { state: "BUILDING", createdAt: minutesAgo(1) });

    const { deps, deletedObjects } = schedulerOver(db);
    expect(await pruneScheduledBackups(deps)).toBe(3);
    expect(deletedObjects.sort()).toEqual([a.id, failedOld.id, b.id].sort());
    const left = await db.backup.findMany({ where: { instanceId }, orderBy: { createdAt: "asc" } });
    expect(left.map((x) => x.id)).toEqual([manual.id, c.id, d.id, taking.id]);
    expect((await db.instanceEvent.findMany({ where: { instanceId } })).map((e) => e.message).sort()).toEqual(
      ["a", "b", "f-old"].map((n) => `scheduled backup ${n} pruned by retention`),
    );
    // Nothing more to do.
    expect(await pruneScheduledBackups(deps)).toBe(0);
  });

  it(`${label}: retention keeps a backup a restore is building from, and a parent of a kept backup`, async () => {
    await db.backupSchedule.create({ data: { projectId, instanceId, cron: "0 3 * * *", keepLast: 1, nextRunAt: new Date(Date.now() + 3_600_000) } });
    const restoring = await backup("r", { createdAt: minutesAgo(60) });
    const parent = await backup("p", { createdAt: minutesAgo(50) });
    const child = await backup("child", { scheduled: false, createdAt: minutesAgo(45), parentId: parent.id });
    const plain = await backup("x", { createdAt: minutesAgo(40) });
    const newest = await backup("n", { createdAt: minutesAgo(10) });
    const instance = await db.instance.findUniqueOrThrow({ where: { id: instanceId } });
    await db.instance.create({
      data: {
        projectId,
        name: "restored",
        activeName: "restored",
        flavorId: instance.flavorId,
        datastoreVersionId: instance.datastoreVersionId,
        volumeSizeGb: 1,
        taskStatus: "BUILDING",
        serviceStatus: "NEW",
        computeStatus: "NONE",
        sourceBackupId: restoring.id,
      },
    });

    const { deps, deletedObjects } = schedulerOver(db);
    expect(await pruneScheduledBackups(deps)).toBe(1);
    expect(deletedObjects).toEqual([plain.id]);
    const left = await db.backup.findMany({ where: { instanceId }, select: { id: true, state: true } });
    expect(left.sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual(
      [restoring, parent, child, newest].map((x) => ({ id: x.id, state: "COMPLETED" })).sort((x, y) => (x.id < y.id ? -1 : 1)),
    );
  });

  it(`${label}: a backup whose objects cannot be deleted stays, and its row says DELETING until a later pass`, async () => {
    await db.backupSchedule.create({ data: { projectId, instanceId, cron: "0 3 * * *", keepLast: 1, nextRunAt: new Date(Date.now() + 3_600_000) } });
    const old = await backup("old", { createdAt: minutesAgo(60) });
    await backup("new", { createdAt: minutesAgo(10) });
    const { deps } = schedulerOver(db);
    deps.deleteObjects = () => Promise.reject(new Error("storage away"));
    expect(await pruneScheduledBackups(deps)).toBe(0);
    expect((await db.backup.findUniqueOrThrow({ where: { id: old.id } })).state).toBe("DELETING");
    // A fresh DELETING is another process's work; a stale one is taken over.
    const later = schedulerOver(db);
    expect(await pruneScheduledBackups(later.deps)).toBe(0);
    expect(await pruneScheduledBackups(later.deps, new Date(Date.now() + 16 * 60_000))).toBe(1);
    expect(later.deletedObjects).toEqual([old.id]);
  });
}

describe("backup scheduler on SQLite", SLOW, () => {
  const home = mkdtempSync(join(tmpdir(), "hoard-sched-"));
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

describe.skipIf(!pgUp)("backup scheduler on PostgreSQL", SLOW, () => {
  const db = scratchPostgres();
  exercise("postgresql", db);
});
