// Backup schedules on a real Redis instance (its backups are quick), seen the way their user sees
// them: a schedule firing every 3 seconds with keep_last 2 takes backup after backup, and only the
// newest two scheduled ones (and their stored objects) remain; a backup taken by hand is never
// pruned; a bad cron or no retention rule is refused; once the schedule is cleared no new
// backups come. Waits are bounded; nothing asserts how long anything took.
import fs from "node:fs";
import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupService, BackupState, type Backup } from "../../gen/proto/hoard/v1/backup_pb.js";
import { InstanceStatus } from "../../gen/proto/hoard/v1/instance_pb.js";
import { connectClient, curl, serviceClient } from "./clients.js";
import { waitForStatus } from "./instance-status.js";
import { createStack, waitUntil, type Stack } from "./harness.js";

const instanceName = "sched-rd";

describe("backup schedules", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await createStack({ env: { HOARD_SCHEDULER_POLL_MS: "250" } });
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("takes backups on schedule, keeps the newest two scheduled ones, never prunes a hand-made one, and stops when cleared", { timeout: 300_000 }, async () => {
    const client = connectClient(stack.url, stack.token);
    const backups = serviceClient(BackupService, stack.url, stack.token);
    const created = await client.createInstance({
      name: instanceName,
      flavor: "tiny",
      volumeSizeGb: 1,
      datastore: "redis",
      users: [{ name: "app", password: "S3cret-pw", databases: [] }],
    });
    const instanceId = created.instance?.id ?? "";
    await waitForStatus(stack, instanceId, InstanceStatus.ACTIVE);

    const objectsOf = (id: string) => path.join(stack.home, "backups", id);
    const hasObjects = (id: string) => fs.existsSync(objectsOf(id)) && fs.readdirSync(objectsOf(id)).length > 0;
    const list = async (): Promise<Backup[]> => (await backups.listBackups({ instance: instanceName })).backups;

    // A backup by hand, before the schedule.
    const byHand = (await backups.createBackup({ instance: instanceName, name: "by-hand" })).backup?.id ?? "";
    await waitUntil(async () => ((await backups.getBackup({ id: byHand })).backup?.state === BackupState.COMPLETED ? true : undefined), "the hand-made backup", 120_000, 200);
    await waitForStatus(stack, instanceId, InstanceStatus.ACTIVE);

    // Refusals, over REST as a user would send them.
    const route = `${stack.url}/v1/instances/${instanceName}/backup-schedule`;
    const badCron = await curl("PUT", route, stack.token, { cron: "*/3 * * *", keepLast: 2 });
    expect(badCron.status).toBe(400);
    expect(String(badCron.json["message"])).toMatch(/^cron: "\*\/3 \* \* \*" has 4 fields; a cron expression has 5 .* or 6 \(seconds first\)$/);
    const noRule = await curl("PUT", route, stack.token, { cron: "*/3 * * * * *" });
    expect(noRule.status).toBe(400);
    expect(String(noRule.json["message"])).toMatch(/keep_last or keep_days/);
    expect((await curl("GET", route, stack.token)).status).toBe(404);

    const set = await curl("PUT", route, stack.token, { cron: "*/3 * * * * *", keepLast: 2 });
    expect(set.status).toBe(200);
    expect(set.json["schedule"]).toMatchObject({ instanceId, cron: "*/3 * * * * *", keepLast: 2 });

    // Watch scheduled backups complete, one after another, until four have.
    const completed = new Map<string, number>(); // id -> created (ms)
    const remember = (all: Backup[]) => {
      for (const b of all) if (b.scheduled && b.state === BackupState.COMPLETED) completed.set(b.id, Number(b.createdAt?.seconds ?? 0n) * 1000 + (b.createdAt?.nanos ?? 0) / 1e6);
    };
    await waitUntil(async () => (remember(await list()), completed.size >= 4 ? true : undefined), "four scheduled backups to complete", 180_000, 200);
    for (const b of await list()) if (b.scheduled) expect(b.name).toMatch(/^auto-sched-rd-\d{8}T\d{6}$/);

    // Retention: the newest two completed scheduled backups remain with their objects; the older ones
    // and their objects are gone; the hand-made one stays.
    await waitUntil(
      async () => {
        const all = await list();
        remember(all);
        const listed = new Set(all.map((b) => b.id));
        const kept = all.filter((b) => b.scheduled && b.state === BackupState.COMPLETED).map((b) => b.id);
        const pruned = [...completed.keys()].filter((id) => !listed.has(id));
        if (kept.length !== 2 || pruned.length < 2) return undefined;
        const oldestKept = Math.min(...kept.map((id) => completed.get(id) ?? 0));
        const newestPruned = Math.max(...pruned.map((id) => completed.get(id) ?? 0));
        if (newestPruned >= oldestKept) return undefined;
        if (!kept.every(hasObjects) || pruned.some((id) => fs.existsSync(objectsOf(id)))) return undefined;
        return true;
      },
      "only the newest two scheduled backups to remain",
      120_000,
      200,
    );
    const hand = (await backups.getBackup({ id: byHand })).backup;
    expect(hand).toMatchObject({ state: BackupState.COMPLETED, scheduled: false });
    expect(hasObjects(byHand)).toBe(true);

    const shown = (await backups.getBackupSchedule({ instance: instanceName })).schedule;
    expect(shown?.lastRunAt).toBeDefined();
    expect(shown?.lastBackupId).not.toBe("");

    // Clear it with the CLI; nothing new is taken after the run under way (if any) ends.
    const cleared = await stack.hoard(["backup", "schedule", "clear", instanceName, "-f", "json"]);
    expect(cleared).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(cleared.stdout)).toEqual({ instance: instanceName, schedule_cleared: true });
    const gone = await backups.getBackupSchedule({ instance: instanceName }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(gone?.code).toBe(Code.NotFound);
    const settled = await waitUntil(
      async () => {
        const all = await list();
        return all.every((b) => b.state === BackupState.COMPLETED || b.state === BackupState.FAILED) ? all : undefined;
      },
      "the last scheduled backup to finish",
      120_000,
      200,
    );
    await waitForStatus(stack, instanceId, InstanceStatus.ACTIVE);
    // Several cron periods and scheduler passes later, still the same backups.
    await new Promise((r) => setTimeout(r, 7_000));
    expect((await list()).map((b) => b.id).sort()).toEqual(settled.map((b) => b.id).sort());
    expect((await list()).some((b) => b.id === byHand)).toBe(true);
  });
});
