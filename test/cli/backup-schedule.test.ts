// `hoard backup schedule set|show|clear` against the in-memory gateway: the calls each makes, what
// it prints, and the errors a user meets (usage errors before any call; the server's refusals).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runHoard } from "../../cli/hoard.js";
import { startFakeHoard, type FakeHoard } from "./fake-hoard.js";
import { runCli, type Run } from "./harness.js";

const token = "test-token-5ced";
let fake: FakeHoard;
let home: string;
let instanceId: string;

function hoard(...args: string[]): Promise<Run> {
  return runCli(runHoard, { url: fake.url, token, home }, args);
}

async function json(...args: string[]): Promise<Record<string, unknown>> {
  const run = await hoard(...args, "-f", "json");
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

const requestsOf = (method: string): unknown[] => fake.calls.filter((c) => c.method === method).map((c) => c.request);

beforeEach(async () => {
  fake = await startFakeHoard(token);
  home = await mkdtemp(join(tmpdir(), "hoard-cli-"));
  const created = await hoard("instance", "create", "db1", "--flavor", "small", "--size", "2", "--datastore", "redis", "--wait", "-f", "json");
  expect(created.code).toBe(0);
  instanceId = (JSON.parse(created.stdout) as { id: string }).id;
  fake.calls.length = 0;
});

afterEach(async () => {
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

describe("backup schedule set", () => {
  it("sends the cron and both rules, and prints the schedule with its next run", async () => {
    const view = await json("backup", "schedule", "set", "db1", "--cron", "0 3 * * *", "--keep-last", "7", "--keep-days", "30");
    expect(requestsOf("SetBackupSchedule")).toMatchObject([{ instance: "db1", cron: "0 3 * * *", keepLast: 7, keepDays: 30 }]);
    expect(view).toEqual({
      instance_id: instanceId,
      cron: "0 3 * * *",
      keep_last: 7,
      keep_days: 30,
      full_every: null,
      next_run: expect.stringMatching(/T03:00:00\.000Z$/) as string,
      last_run: null,
      last_backup_id: "",
      last_error: "",
      updated: expect.any(String) as string,
    });
  });

  it("--full-every is sent and shown", async () => {
    expect(await json("backup", "schedule", "set", "db1", "--cron", "0 3 * * *", "--keep-last", "7", "--full-every", "4")).toMatchObject({ full_every: 4 });
    expect(requestsOf("SetBackupSchedule")).toMatchObject([{ keepLast: 7, fullEvery: 4 }]);
    expect((await hoard("backup", "schedule", "set", "db1", "--cron", "0 3 * * *", "--keep-last", "7", "--full-every", "0")).code).toBe(2);
  });

  it("one rule is enough; the other reads null", async () => {
    expect(await json("backup", "schedule", "set", "db1", "--cron", "*/30 * * * * *", "--keep-days", "2")).toMatchObject({ keep_last: null, keep_days: 2 });
    expect(requestsOf("SetBackupSchedule")).toMatchObject([{ keepLast: 0, keepDays: 2 }]);
    const table = await hoard("backup", "schedule", "set", "db1", "--cron", "0 * * * *", "--keep-last", "3");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/\| cron\s+\| 0 \* \* \* \*\s+\|/);
    expect(table.stdout).toMatch(/\| keep_last\s+\| 3\s+\|/);
  });

  it("a bad cron expression is the server's INVALID_ARGUMENT naming the problem, exit 1", async () => {
    expect(await hoard("backup", "schedule", "set", "db1", "--cron", "0 3 * *", "--keep-last", "1")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: invalid_argument: cron: "0 3 * *" has 4 fields; a cron expression has 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)\n',
    });
    const range = await hoard("backup", "schedule", "set", "db1", "--cron", "0 25 * * *", "--keep-last", "1");
    expect(range.code).toBe(1);
    expect(range.stderr).toMatch(/^error: invalid_argument: cron: "0 25 \* \* \*" is not a valid cron expression: .*0-23/);
  });

  it.each([
    [["db1", "--cron", "0 3 * * *"], "error: give --keep-last or --keep-days (or both): how many scheduled backups to keep\n"],
    [["db1", "--cron", "0 3 * * *", "--keep-last", "0"], "error: --keep-last must be between 1 and 1000, got 0\n"],
    [["db1", "--cron", "0 3 * * *", "--keep-days", "many"], 'error: --keep-days must be a whole number, got "many"\n'],
    [["db1", "--keep-last", "2"], "error: required option '--cron <expr>' not specified\n"],
    [["--cron", "0 3 * * *", "--keep-last", "2"], "error: missing required argument 'instance'\n"],
  ])("%j is a usage error before any call", async (args, message) => {
    expect(await hoard("backup", "schedule", "set", ...args)).toEqual({ code: 2, stdout: "", stderr: message });
    expect(fake.calls).toHaveLength(0);
  });

  it("an unknown instance is the server's NOT_FOUND, exit 1", async () => {
    expect(await hoard("backup", "schedule", "set", "db9", "--cron", "0 3 * * *", "--keep-last", "1")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: not_found: instance "db9" not found\n',
    });
  });
});

describe("backup schedule show, clear", () => {
  it("show prints the schedule set; clear removes it and show is then NOT_FOUND", async () => {
    await json("backup", "schedule", "set", "db1", "--cron", "0 3 * * *", "--keep-last", "7");
    expect(await json("backup", "schedule", "show", "db1")).toMatchObject({ instance_id: instanceId, cron: "0 3 * * *", keep_last: 7, keep_days: null });
    const table = await hoard("backup", "schedule", "show", instanceId);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/\| next_run\s+\| \d{4}-\d\d-\d\dT03:00:00\.000Z\s+\|/);

    expect(await json("backup", "schedule", "clear", "db1")).toEqual({ instance: "db1", schedule_cleared: true });
    expect(requestsOf("ClearBackupSchedule")).toMatchObject([{ instance: "db1" }]);
    expect(await hoard("backup", "schedule", "show", "db1")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: not_found: backup schedule of instance "db1" not found\n',
    });
  });

  it("clear of an instance without a schedule succeeds; of an unknown instance is NOT_FOUND", async () => {
    expect((await hoard("backup", "schedule", "clear", "db1")).code).toBe(0);
    expect(await hoard("backup", "schedule", "clear", "db9")).toEqual({ code: 1, stdout: "", stderr: 'error: not_found: instance "db9" not found\n' });
  });
});
