// `hoard instance stop|start|update|rename|events` against the in-memory gateway: the request each
// command sends, what it prints, the --wait progress on stderr, and its usage errors.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runHoard } from "../../cli/hoard.js";
import { startFakeHoard, type FakeHoard } from "./fake-hoard.js";
import { runCli, type Run } from "./harness.js";

const token = "test-token-5e27";
let fake: FakeHoard;
let home: string;
let id: string;

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

beforeEach(async () => {
  fake = await startFakeHoard(token);
  home = await mkdtemp(join(tmpdir(), "hoard-cli-"));
  const created = await hoard("instance", "create", "db1", "--flavor", "small", "--size", "1", "--datastore", "postgresql", "--wait", "-f", "json");
  expect(created.code).toBe(0);
  id = (JSON.parse(created.stdout) as { id: string }).id;
  fake.calls.length = 0;
});

afterEach(async () => {
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

describe("instance stop", () => {
  it("sends StopInstance and prints the instance at once without --wait", async () => {
    expect(await json("instance", "stop", "db1")).toMatchObject({ id, name: "db1", status: "REBOOT" });
    expect(requestsOf("StopInstance")).toMatchObject([{ id: "db1" }]);
    expect(requestsOf("GetInstance")).toHaveLength(0);
  });

  it("--wait polls by id, printing progress until SHUTDOWN", async () => {
    const run = await hoard("instance", "stop", "db1", "--wait");
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("db1: REBOOT (HEALTHY)\ndb1: SHUTDOWN (SHUTDOWN)\n");
    expect(run.stdout).toMatch(/\| status\s+\| SHUTDOWN\s+\|/);
    expect(run.stdout).toMatch(/\| operating_status\s+\| SHUTDOWN\s+\|/);
    expect(requestsOf("GetInstance")).toEqual(Array(2).fill(expect.objectContaining({ id })));
  });

  it("--wait exits 1 printing the fault when the instance goes to ERROR", async () => {
    fake.stopOutcome = "error";
    const run = await hoard("instance", "stop", "db1", "--wait");
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: "db1: REBOOT (HEALTHY)\ndb1: ERROR (FAILED)\nerror: db1 is ERROR: server did not stop (step stop)\n",
    });
  });

  it("--wait gives up at the --timeout deadline, saying so", async () => {
    fake.stopOutcome = "stuck";
    const run = await hoard("instance", "stop", "db1", "--wait", "--timeout", "1");
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "db1: REBOOT (HEALTHY)\nerror: timed out after 1s waiting for db1 to become SHUTDOWN (last seen: REBOOT (HEALTHY))\n",
    );
  });

  it("a bad --timeout is a usage error and nothing is stopped", async () => {
    const run = await hoard("instance", "stop", "db1", "--wait", "--timeout", "soon");
    expect(run).toEqual({ code: 2, stdout: "", stderr: 'error: --timeout must be a whole number, got "soon"\n' });
    expect(fake.calls).toHaveLength(0);
  });

  it("a missing instance is NOT_FOUND, exit 1", async () => {
    const run = await hoard("instance", "stop", "db9");
    expect(run).toEqual({ code: 1, stdout: "", stderr: 'error: not_found: instance "db9" not found\n' });
  });
});

describe("instance start", () => {
  it("--wait polls until ACTIVE again", async () => {
    expect((await hoard("instance", "stop", "db1", "--wait")).code).toBe(0);
    fake.calls.length = 0;
    const run = await hoard("instance", "start", "db1", "--wait", "-f", "json");
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("db1: REBOOT (SHUTDOWN)\ndb1: ACTIVE (HEALTHY)\n");
    expect(JSON.parse(run.stdout)).toMatchObject({ name: "db1", status: "ACTIVE", operating_status: "HEALTHY" });
    expect(requestsOf("StartInstance")).toMatchObject([{ id: "db1" }]);
  });

  it("prints the starting instance at once without --wait", async () => {
    expect(await json("instance", "start", id)).toMatchObject({ name: "db1", status: "REBOOT" });
    expect(requestsOf("StartInstance")).toMatchObject([{ id }]);
    expect(requestsOf("GetInstance")).toHaveLength(0);
  });
});

describe("instance update and rename", () => {
  it("update --name sends the new name and prints the renamed instance", async () => {
    expect(await json("instance", "update", "db1", "--name", "orders")).toMatchObject({ id, name: "orders" });
    expect(requestsOf("UpdateInstance")).toMatchObject([{ id: "db1", name: "orders" }]);
    expect(await json("instance", "show", "orders")).toMatchObject({ id });
  });

  it("rename NAME NEW is update --name, printing a Field/Value table", async () => {
    const run = await hoard("instance", "rename", id, "orders");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\| name\s+\| orders\s+\|/);
    expect(requestsOf("UpdateInstance")).toMatchObject([{ id, name: "orders" }]);
  });

  it.each([
    [
      ["instance", "update", "db1"],
      "error: nothing to update: give --name, --allowed-cidr, --clear-allowed-cidrs, --deletion-protection, " +
        "--no-deletion-protection, --configuration or --detach-configuration\n",
    ],
    [["instance", "update", "db1", "--name", ""], "error: --name must not be empty\n"],
    [["instance", "rename", "db1", ""], "error: the new name must not be empty\n"],
  ])("%j is a usage error before any call", async (args, stderr) => {
    expect(await hoard(...args)).toEqual({ code: 2, stdout: "", stderr });
    expect(fake.calls).toHaveLength(0);
  });

  it("rename without the new name is a usage error", async () => {
    const run = await hoard("instance", "rename", "db1");
    expect(run).toMatchObject({ code: 2, stdout: "" });
    expect(run.stderr).toContain("missing required argument 'new-name'");
    expect(fake.calls).toHaveLength(0);
  });

  it("a name taken by another instance is ALREADY_EXISTS, exit 1", async () => {
    await hoard("instance", "create", "db2", "--flavor", "small", "--size", "1", "--datastore", "postgresql");
    const run = await hoard("instance", "rename", "db1", "db2");
    expect(run).toEqual({ code: 1, stdout: "", stderr: 'error: already_exists: instance "db2" already exists\n' });
  });
});

describe("instance events", () => {
  it("prints a table of created, kind, message and request id, newest first", async () => {
    const run = await hoard("instance", "events", "db1");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[1]).toMatch(/^\| Created\s+\| Kind\s+\| Message\s+\| Request ID \|$/);
    expect(lines.slice(3, 6)).toEqual([
      "| 2025-03-01T10:02:00.000Z | STOP    | database server stopped   | req-0003   |",
      "| 2025-03-01T10:01:00.000Z | RESTART | database server restarted | req-0002   |",
      "| 2025-03-01T10:00:00.000Z | CREATE  | instance built            |            |",
    ]);
    // No --limit: the API's default applies.
    expect(requestsOf("ListInstanceEvents")).toMatchObject([{ id: "db1", limit: 0 }]);
  });

  it("-f json prints an array of {created, kind, message, request_id}; --limit is sent", async () => {
    expect(await json("instance", "events", id, "--limit", "2")).toEqual([
      { created: "2025-03-01T10:02:00.000Z", kind: "STOP", message: "database server stopped", request_id: "req-0003" },
      { created: "2025-03-01T10:01:00.000Z", kind: "RESTART", message: "database server restarted", request_id: "req-0002" },
    ]);
    expect(requestsOf("ListInstanceEvents")).toMatchObject([{ id, limit: 2 }]);
  });

  it.each(["0", "1001", "ten"])("--limit %s is a usage error before any call", async (limit) => {
    const run = await hoard("instance", "events", "db1", "--limit", limit);
    expect(run).toMatchObject({ code: 2, stdout: "" });
    expect(run.stderr).toMatch(/^error: --limit must be /);
    expect(fake.calls).toHaveLength(0);
  });

  it("a missing instance is NOT_FOUND, exit 1", async () => {
    const run = await hoard("instance", "events", "db9");
    expect(run).toEqual({ code: 1, stdout: "", stderr: 'error: not_found: instance "db9" not found\n' });
  });
});
