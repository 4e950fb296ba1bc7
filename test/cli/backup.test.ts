// `hoard backup ...` and `hoard instance create --backup` against the in-memory gateway: the calls
// each command makes, what it prints (sizes for people in tables, exact numbers in JSON), --wait
// until COMPLETED or FAILED, the instance showing BACKUP meanwhile, and the errors a user meets.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runHoard } from "../../cli/hoard.js";
import { fakeBackupFault } from "./fake-backup.js";
import { startFakeHoard, type FakeHoard } from "./fake-hoard.js";
import { runCli, type Run } from "./harness.js";

const token = "test-token-b4c7";
let fake: FakeHoard;
let home: string;
let instanceId: string;

function hoard(...args: string[]): Promise<Run> {
  return runCli(runHoard, { url: fake.url, token, home }, args);
}

function requestsOf(method: string): unknown[] {
  return fake.calls.filter((c) => c.method === method).map((c) => c.request);
}

/** Runs a command that must succeed quietly and returns its JSON output. */
async function json(...args: string[]): Promise<unknown> {
  const run = await hoard(...args, "-f", "json");
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as unknown;
}

/** Takes backup `name` of db1 to COMPLETED. */
async function completedBackup(name: string): Promise<void> {
  expect((await hoard("backup", "create", "db1", name, "--wait")).code).toBe(0);
}

beforeEach(async () => {
  fake = await startFakeHoard(token);
  home = await mkdtemp(join(tmpdir(), "hoard-cli-"));
  const created = await hoard(
    "instance", "create", "db1", "--flavor", "small", "--size", "2", "--datastore", "postgresql", "--datastore-version", "16", "--wait", "-f", "json",
  );
  expect(created.code).toBe(0);
  instanceId = (JSON.parse(created.stdout) as { id: string }).id;
  fake.calls.length = 0;
});

afterEach(async () => {
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

describe("backup create", () => {
  it("sends INSTANCE, NAME and --description, and prints the NEW backup at once without --wait", async () => {
    const view = await json("backup", "create", "db1", "nightly", "--description", "before the upgrade");
    expect(requestsOf("CreateBackup")).toMatchObject([{ instance: "db1", name: "nightly", description: "before the upgrade" }]);
    expect(requestsOf("GetBackup")).toHaveLength(0);
    expect(view).toEqual({
      id: "bk-1",
      name: "nightly",
      description: "before the upgrade",
      status: "NEW",
      instance_id: instanceId,
      datastore: "postgresql",
      datastore_version: "16",
      kind: "full",
      parent_id: null,
      size_bytes: 0,
      stored_bytes: 0,
      progress_bytes: 0,
      estimated_bytes: null,
      progress_percent: null,
      storage: "file",
      volume_size: 2,
      fault: "",
      scheduled: false,
      created: expect.any(String) as string,
      completed: null,
    });
  });

  it("the instance shows BACKUP while the backup is taken, and ACTIVE again after", async () => {
    await json("backup", "create", "db1", "nightly");
    expect(await json("instance", "show", "db1")).toMatchObject({ status: "BACKUP" });
    expect((await hoard("instance", "list")).stdout).toMatch(/\| db1\s+\| postgresql\s+\| 16\s+\| BACKUP\s+\| HEALTHY\s+\|/);
    await json("backup", "show", "nightly"); // BUILDING
    expect(await json("instance", "show", "db1")).toMatchObject({ status: "BACKUP" });
    await json("backup", "show", "nightly"); // COMPLETED
    expect(await json("instance", "show", "db1")).toMatchObject({ status: "ACTIVE" });
  });

  it("--wait polls GetBackup by id, printing progress, until COMPLETED; the table shows sizes for people", async () => {
    const run = await hoard("backup", "create", "db1", "nightly", "--wait");
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("nightly: BUILDING\nnightly: COMPLETED\n");
    expect(requestsOf("GetBackup")).toEqual([{ id: "bk-1" }, { id: "bk-1" }].map((r) => expect.objectContaining(r) as unknown));
    expect(run.stdout).toMatch(/\| status\s+\| COMPLETED\s+\|/);
    expect(run.stdout).toMatch(/\| size\s+\| 12\.3 MiB\s+\|/);
    expect(run.stdout).toMatch(/\| stored_size\s+\| 4\.2 MiB\s+\|/);
    expect(run.stdout).not.toMatch(/size_bytes/);
  });

  it("--wait prints a line each time a BUILDING backup moves on, and show prints its progress", async () => {
    fake.backupOutcome = "progressing";
    const run = await hoard("backup", "create", "db1", "nightly", "--wait");
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      "nightly: BUILDING\nnightly: BUILDING 40% (5.0 MiB of about 12.5 MiB)\nnightly: BUILDING 80% (10.0 MiB of about 12.5 MiB)\nnightly: COMPLETED\n",
    );
    expect(run.stdout).toMatch(/\| progress\s+\| 100% \(12\.3 MiB\)\s+\|/);
    expect(run.stdout).not.toMatch(/progress_percent|estimated_bytes/);
    expect(await json("backup", "show", "nightly")).toMatchObject({ progress_bytes: 12_897_485, estimated_bytes: 13_107_200, progress_percent: 100 });
  });

  it("show prints a BUILDING backup's progress in a table, exact in JSON", async () => {
    fake.backupOutcome = "progressing";
    await json("backup", "create", "db1", "nightly");
    await json("backup", "show", "nightly"); // BUILDING, nothing known yet
    expect((await hoard("backup", "show", "nightly")).stdout).toMatch(/\| progress\s+\| 40% \(5\.0 MiB of about 12\.5 MiB\)\s+\|/);
    expect(await json("backup", "show", "nightly")).toMatchObject({ status: "BUILDING", progress_bytes: 10_485_760, estimated_bytes: 13_107_200, progress_percent: 80 });
  });

  it("--wait -f json prints the completed backup with exact byte counts", async () => {
    const run = await hoard("backup", "create", "db1", "nightly", "--wait", "-f", "json");
    expect(run.code).toBe(0);
    const view = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(view).toMatchObject({ status: "COMPLETED", size_bytes: 12_897_485, stored_bytes: 4_404_020, fault: "" });
    expect(Date.parse(String(view["completed"]))).not.toBeNaN();
  });

  it("--wait exits 1 printing the fault when the backup FAILED", async () => {
    fake.backupOutcome = "failed";
    const run = await hoard("backup", "create", "db1", "nightly", "--wait");
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: `nightly: BUILDING\nnightly: FAILED\nerror: nightly is FAILED: ${fakeBackupFault}\n`,
    });
    expect(await json("instance", "show", "db1")).toMatchObject({ status: "ACTIVE" });
  });

  it("--wait gives up at the --timeout deadline, saying so", async () => {
    fake.backupOutcome = "stuck";
    const run = await hoard("backup", "create", "db1", "nightly", "--wait", "--timeout", "1");
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("nightly: BUILDING\nerror: timed out after 1s waiting for nightly to become COMPLETED (last seen: BUILDING)\n");
  });

  it.each([
    [["db1", "nightly", "--wait", "--timeout", "soon"], 'error: --timeout must be a whole number, got "soon"\n'],
    [["db1"], "error: missing required argument 'name'\n"],
    [["db1", "nightly", "extra"], "error: too many arguments for 'create'. Expected 2 arguments but got 3.\n"],
  ])("%j is a usage error before any call", async (args, message) => {
    const run = await hoard("backup", "create", ...args);
    expect(run).toEqual({ code: 2, stdout: "", stderr: message });
    expect(fake.calls).toHaveLength(0);
  });

  it("an unknown instance is the server's NOT_FOUND, exit 1", async () => {
    const run = await hoard("backup", "create", "db9", "nightly");
    expect(run).toEqual({ code: 1, stdout: "", stderr: 'error: not_found: instance "db9" not found\n' });
  });

  it("a stopped instance is the server's FAILED_PRECONDITION, exit 1", async () => {
    expect((await hoard("instance", "stop", "db1", "--wait")).code).toBe(0);
    const run = await hoard("backup", "create", "db1", "nightly");
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: failed_precondition: instance "db1" is SHUTDOWN; try again when it is ACTIVE\n',
    });
  });
});

describe("backup list, show, delete", () => {
  beforeEach(async () => {
    await completedBackup("nightly");
    expect((await hoard("instance", "create", "db2", "--flavor", "small", "--size", "1", "--datastore", "postgresql", "--wait")).code).toBe(0);
    expect((await hoard("backup", "create", "db2", "weekly")).code).toBe(0);
    fake.calls.length = 0;
  });

  it("list prints a table, newest first, sizes for people and blank while not yet taken", async () => {
    const run = await hoard("backup", "list");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[1]).toMatch(/^\| ID\s+\| Name\s+\| Instance ID\s+\| Datastore\s+\| Datastore Version \| Status\s+\| Kind\s+\| Parent ID \| Size\s+\| Stored\s+\| Created\s+\|$/);
    expect(lines[3]).toMatch(/^\| bk-2 \| weekly\s+\| [0-9a-f-]{36} \| postgresql \| 15\s+\| NEW\s+\| full \|\s+\|\s+\|\s+\| \d{4}-/);
    expect(lines[4]).toMatch(new RegExp(`^\\| bk-1 \\| nightly \\| ${instanceId} \\| postgresql \\| 16\\s+\\| COMPLETED \\| full \\|\\s+\\| 12\\.3 MiB \\| 4\\.2 MiB \\| \\d{4}-`));
    expect(requestsOf("ListBackups")).toMatchObject([{ instance: "" }]);
  });

  it("list -f json prints raw numbers; --instance filters by instance", async () => {
    const all = (await json("backup", "list")) as Record<string, unknown>[];
    expect(all.map((b) => [b["name"], b["status"], b["size_bytes"], b["stored_bytes"]])).toEqual([
      ["weekly", "NEW", 0, 0],
      ["nightly", "COMPLETED", 12_897_485, 4_404_020],
    ]);
    const one = (await json("backup", "list", "--instance", "db1")) as Record<string, unknown>[];
    expect(one.map((b) => b["name"])).toEqual(["nightly"]);
    expect(requestsOf("ListBackups")).toMatchObject([{ instance: "" }, { instance: "db1" }]);
  });

  it("list --instance of an unknown instance is NOT_FOUND; an empty one a usage error", async () => {
    expect(await hoard("backup", "list", "--instance", "db9")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: not_found: instance "db9" not found\n',
    });
    expect(await hoard("backup", "list", "--instance", "")).toEqual({ code: 2, stdout: "", stderr: "error: --instance must not be empty\n" });
  });

  it("show by name or id prints a Field/Value table or one JSON object", async () => {
    const table = await hoard("backup", "show", "nightly");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^\+-+\+-+\+\n\| Field\s+\| Value\s+\|\n/);
    expect(table.stdout).toMatch(/\| id\s+\| bk-1\s+\|/);
    expect(table.stdout).toMatch(/\| size\s+\| 12\.3 MiB\s+\|/);
    expect(table.stdout).toMatch(/\| volume_size\s+\| 2\s+\|/);
    expect(await json("backup", "show", "bk-1")).toMatchObject({ name: "nightly", instance_id: instanceId, status: "COMPLETED" });
    expect(requestsOf("GetBackup")).toMatchObject([{ id: "nightly" }, { id: "bk-1" }]);
  });

  it("show of an unknown backup is the server's NOT_FOUND, exit 1", async () => {
    const run = await hoard("backup", "show", "nope");
    expect(run).toEqual({ code: 1, stdout: "", stderr: 'error: not_found: backup "nope" not found\n' });
  });

  it("delete sends DeleteBackup and says so; the backup is gone", async () => {
    const run = await hoard("backup", "delete", "nightly");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(/\| backup\s+\| nightly\s+\|\n\| deleted\s+\| true\s+\|/);
    expect(requestsOf("DeleteBackup")).toMatchObject([{ id: "nightly" }]);
    expect(await hoard("backup", "show", "nightly")).toEqual({ code: 1, stdout: "", stderr: 'error: not_found: backup "nightly" not found\n' });

    await completedBackup("again");
    expect(await json("backup", "delete", "again")).toEqual({ backup: "again", deleted: true });
  });

  it("create --incremental and --parent (which implies it) send the parent; show and list -f json give kind and parent", async () => {
    expect((await hoard("backup", "create", "db1", "inc1", "--incremental", "--wait")).code).toBe(0);
    const inc = (await json("backup", "show", "inc1")) as Record<string, unknown>;
    expect(inc).toMatchObject({ kind: "incremental" });
    const child = (await json("backup", "create", "db1", "inc2", "--parent", "inc1")) as Record<string, unknown>;
    expect(child).toMatchObject({ kind: "incremental", parent_id: inc["id"] });
    expect(requestsOf("CreateBackup")).toMatchObject([
      { name: "inc1", incremental: true, parent: "" },
      { name: "inc2", incremental: true, parent: "inc1" },
    ]);
    expect(await json("backup", "show", "inc2")).toMatchObject({ kind: "incremental", parent_id: inc["id"] });
  });

  it("delete of a backup others build on is refused; --cascade sends cascade and deletes them too", async () => {
    expect((await hoard("backup", "create", "db1", "inc1", "--parent", "nightly", "--wait")).code).toBe(0);
    const refused = await hoard("backup", "delete", "nightly");
    expect(refused).toMatchObject({ code: 1, stdout: "" });
    expect(refused.stderr).toMatch(/^error: failed_precondition: backup "nightly" has 1 incremental backup built on it/);
    expect(await json("backup", "delete", "nightly", "--cascade")).toEqual({ backup: "nightly", deleted: true, cascade: true });
    expect(requestsOf("DeleteBackup")).toMatchObject([{ id: "nightly", cascade: false }, { id: "nightly", cascade: true }]);
    expect((await hoard("backup", "show", "inc1")).code).toBe(1);
  });

  it("delete of a backup still being taken is the server's FAILED_PRECONDITION, exit 1", async () => {
    const run = await hoard("backup", "delete", "weekly");
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: failed_precondition: the backup is still being taken; delete it when it is done\n",
    });
  });

  it("delete of an unknown backup is the server's NOT_FOUND, exit 1", async () => {
    const run = await hoard("backup", "delete", "nope");
    expect(run).toEqual({ code: 1, stdout: "", stderr: 'error: not_found: backup "nope" not found\n' });
  });
});

describe("instance create --backup", () => {
  beforeEach(async () => {
    await completedBackup("nightly");
    fake.calls.length = 0;
  });

  it("sends the backup with the flags as given when they say everything, then --wait until ACTIVE", async () => {
    const run = await hoard(
      "instance", "create", "db2", "--flavor", "small", "--size", "4", "--datastore", "postgresql", "--datastore-version", "16",
      "--backup", "nightly", "--wait", "-f", "json",
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("db2: BUILD (BUILDING)\ndb2: ACTIVE (HEALTHY)\n");
    expect(JSON.parse(run.stdout)).toMatchObject({ name: "db2", status: "ACTIVE", datastore_version: "16", volume_size: 4 });
    expect(requestsOf("CreateInstance")).toMatchObject([
      { name: "db2", flavor: "small", volumeSizeGb: 4, datastore: "postgresql", datastoreVersion: "16", backup: "nightly", databases: [], users: [] },
    ]);
    expect(requestsOf("GetBackup")).toHaveLength(0);
  });

  it("sends --restore-time as a timestamp, and refuses a time without a zone before any call", async () => {
    await json("instance", "create", "db2", "--flavor", "small", "--backup", "nightly", "--restore-time", "2026-01-02T03:04:05.250+01:00");
    const [request] = requestsOf("CreateInstance") as Array<{ restoreTime?: { seconds: bigint; nanos: number } }>;
    expect(request?.restoreTime).toMatchObject({ seconds: BigInt(Date.parse("2026-01-02T02:04:05Z") / 1000), nanos: 250_000_000 });
    fake.calls.length = 0;
    const run = await hoard("instance", "create", "db3", "--flavor", "small", "--backup", "nightly", "--restore-time", "2026-01-02 03:04:05");
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("--restore-time must be an ISO 8601 time with a zone");
    expect(fake.calls).toHaveLength(0);
  });

  it("takes the datastore, version and size the flags leave out from the backup", async () => {
    const created = await json("instance", "create", "db2", "--flavor", "small", "--backup", "nightly");
    expect(created).toMatchObject({ name: "db2", status: "BUILD", datastore: "postgresql", datastore_version: "16", volume_size: 2 });
    expect(requestsOf("GetBackup")).toMatchObject([{ id: "nightly" }]);
    expect(requestsOf("CreateInstance")).toMatchObject([
      { volumeSizeGb: 2, datastore: "postgresql", datastoreVersion: "16", backup: "nightly" },
    ]);

    await json("instance", "create", "db3", "--flavor", "small", "--backup", "bk-1", "--size", "5", "--datastore", "postgresql");
    expect(requestsOf("CreateInstance")[1]).toMatchObject({ volumeSizeGb: 5, datastore: "postgresql", datastoreVersion: "16", backup: "bk-1" });
  });

  it("a version the backup is not of is the server's FAILED_PRECONDITION, exit 1", async () => {
    const run = await hoard("instance", "create", "db2", "--flavor", "small", "--datastore-version", "15", "--backup", "nightly");
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: failed_precondition: backup "nightly" is of postgresql 16; it cannot be restored onto postgresql 15\n',
    });
  });

  it("a backup still being taken is the server's FAILED_PRECONDITION, exit 1", async () => {
    expect((await hoard("backup", "create", "db1", "later")).code).toBe(0);
    // The CLI's GetBackup (for the datastore and size) is the fake's first poll: BUILDING.
    const run = await hoard("instance", "create", "db2", "--flavor", "small", "--backup", "later");
    expect(run).toEqual({ code: 1, stdout: "", stderr: 'error: failed_precondition: backup "later" is BUILDING, not COMPLETED\n' });
  });

  it("an unknown backup is the server's NOT_FOUND, exit 1, and nothing is created", async () => {
    for (const flags of [[], ["--size", "2", "--datastore", "postgresql", "--datastore-version", "16"]]) {
      const run = await hoard("instance", "create", "db2", "--flavor", "small", "--backup", "nope", ...flags);
      expect(run).toEqual({ code: 1, stdout: "", stderr: 'error: not_found: backup "nope" not found\n' });
    }
    expect((await hoard("instance", "show", "db2")).code).toBe(1);
  });

  it.each([
    [["--backup", "nightly", "--databases", "appdb"], "error: a restored instance gets its databases and users from the backup: leave out --databases and --users\n"],
    [["--backup", "nightly", "--users", "app:pw"], "error: a restored instance gets its databases and users from the backup: leave out --databases and --users\n"],
    [["--backup", ""], "error: --backup must not be empty\n"],
    [["--datastore", "postgresql"], "error: required option '--size <GB>' not specified\n"],
    [["--size", "1"], "error: required option '--datastore <datastore>' not specified\n"],
    [["--backup", "nightly", "--size", "big"], 'error: --size must be a whole number, got "big"\n'],
  ])("%j is a usage error before any call", async (flags, message) => {
    const run = await hoard("instance", "create", "db2", "--flavor", "small", ...flags);
    expect(run).toEqual({ code: 2, stdout: "", stderr: message });
    expect(fake.calls).toHaveLength(0);
  });
});
