// A backup's progress as its user sees it, on a real PostgreSQL holding ~160 MB: GetBackup shows a
// BUILDING backup's bytes grow towards the engine's estimate (the percent below 100 and consistent
// with them), then the COMPLETED backup at 100% with every byte the engine's tool produced.
// The taskmanager asks the agent every 50 ms, so a copy of some seconds is seen many times over.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupService, BackupState, type Backup } from "../../gen/proto/hoard/v1/backup_pb.js";
import { InstanceStatus } from "../../gen/proto/hoard/v1/instance_pb.js";
import { pw, user } from "./backup-helpers.js";
import { connectClient, serviceClient } from "./clients.js";
import { createStack, psql, type Stack } from "./harness.js";
import { waitForStatus } from "./instance-status.js";

const rowsPerBatch = 250_000;
const batches = 4; // ~40 MB each: md5 text four times over per row

describe("backup progress", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await createStack({ env: { HOARD_BACKUP_PROGRESS_POLL_MS: "50" } });
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("postgresql: BUILDING shows bytes growing below 100%, COMPLETED shows 100% and the final size", async () => {
    const client = connectClient(stack.url, stack.token);
    const created = await client.createInstance({ name: "prog-pg", flavor: "small", volumeSizeGb: 2, datastore: "postgresql", databases: [{ name: "appdb" }], users: [user] });
    const source = await waitForStatus(stack, created.instance?.id ?? "", InstanceStatus.ACTIVE);
    expect((await psql(source.host, source.port, "app", pw, "appdb", "create table big (id int, v text)")).code).toBe(0);
    for (let b = 0; b < batches; b++) {
      const from = b * rowsPerBatch + 1;
      const fill = await psql(source.host, source.port, "app", pw, "appdb", `insert into big select g, repeat(md5(g::text), 4) from generate_series(${from}, ${from + rowsPerBatch - 1}) g`);
      expect(fill.stderr).toBe("");
    }
    const dbBytes = Number((await psql(source.host, source.port, "app", pw, "appdb", "select pg_database_size('appdb')")).stdout);
    expect(dbBytes).toBeGreaterThan(150 * 1024 * 1024);

    const backups = serviceClient(BackupService, stack.url, stack.token);
    const started = (await backups.createBackup({ instance: "prog-pg", name: "prog-b1" })).backup;
    const seen: Backup[] = [];
    let done: Backup | undefined;
    const deadline = Date.now() + 180_000;
    while (done === undefined && Date.now() < deadline) {
      const { backup } = await backups.getBackup({ id: started?.id ?? "" });
      if (backup?.state === BackupState.COMPLETED || backup?.state === BackupState.FAILED) done = backup;
      else if (backup) seen.push(backup);
      await new Promise((r) => setTimeout(r, 25));
    }
    if (done?.state !== BackupState.COMPLETED) throw new Error(`backup did not complete: ${done?.fault ?? "timed out"}`);

    // COMPLETED: 100%, and the bytes done are the size, every byte the tool produced.
    expect(done.progressPercent).toBe(100);
    expect(done.progressBytes).toBe(done.sizeBytes);
    expect(done.sizeBytes).toBeGreaterThan(BigInt(dbBytes));
    // The estimate is the engine's own measure, taken at the start: near what was streamed.
    const estimate = Number(done.estimatedBytes ?? 0n);
    expect(estimate).toBeGreaterThan(Number(done.sizeBytes) * 0.8);
    expect(estimate).toBeLessThan(Number(done.sizeBytes) * 1.2);

    // BUILDING, mid-copy: seen more than once, growing, below the final size, and the percent
    // is the bytes over the estimate, never 100 before the backup is stored.
    const reports = seen.filter((b) => b.state === BackupState.BUILDING && b.progressBytes > 0n);
    const distinct = [...new Set(reports.map((b) => b.progressBytes))];
    expect(distinct.length).toBeGreaterThanOrEqual(2);
    expect(distinct).toEqual([...distinct].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    // The estimate is measured beside the copy's first bytes: a report may come before it.
    expect(reports.some((b) => b.estimatedBytes !== undefined)).toBe(true);
    for (const b of reports) {
      expect(b.progressBytes).toBeLessThanOrEqual(done.sizeBytes);
      if (b.estimatedBytes === undefined) {
        expect(b.progressPercent).toBeUndefined();
        continue;
      }
      expect(b.estimatedBytes).toBe(done.estimatedBytes);
      expect(b.progressPercent).toBe(Math.min(99, Number((b.progressBytes * 100n) / b.estimatedBytes)));
    }
    // Before the first report nothing is claimed.
    for (const b of seen.filter((s) => s.progressBytes === 0n)) expect(b.progressPercent ?? 0).toBe(0);
  });
});
