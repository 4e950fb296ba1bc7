// `hoard instance create|update|resize-flavor|resize-volume|configuration` with the settings an instance
// keeps after it is built: allowed CIDRs, deletion protection, its configuration group, flavor and
// volume. Checked against the in-memory gateway: the request each command sends, what it prints, the
// --wait progress, and its usage errors.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runHoard } from "../../cli/hoard.js";
import type { UpdateInstanceRequest } from "../../gen/proto/hoard/v1/instance_pb.js";
import { startFakeHoard, type FakeHoard } from "./fake-hoard.js";
import { runCli, type Run } from "./harness.js";

const token = "test-token-77c1";
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
async function json(...args: string[]): Promise<Record<string, unknown>> {
  const run = await hoard(...args, "-f", "json");
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

beforeEach(async () => {
  fake = await startFakeHoard(token);
  home = await mkdtemp(join(tmpdir(), "hoard-cli-"));
  expect((await hoard("configuration", "create", "tuned", "--datastore", "postgresql", "--set", "work_mem=8192")).code).toBe(0);
  const created = await hoard("instance", "create", "db1", "--flavor", "small", "--size", "1", "--datastore", "postgresql", "--wait", "-f", "json");
  expect(created.code).toBe(0);
  id = (JSON.parse(created.stdout) as { id: string }).id;
  fake.calls.length = 0;
});

afterEach(async () => {
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

describe("instance create and show with settings", () => {
  it("sends --configuration, --allowed-cidr (repeatable, comma-separated) and --deletion-protection", async () => {
    const view = await json(
      "instance", "create", "db2", "--flavor", "small", "--size", "1", "--datastore", "postgresql",
      "--configuration", "tuned", "--allowed-cidr", "10.0.0.0/8,192.168.1.0/24", "--allowed-cidr", "2001:db8::/32",
      "--deletion-protection",
    );
    expect(requestsOf("CreateInstance")).toMatchObject([
      { configuration: "tuned", allowedCidrs: ["10.0.0.0/8", "192.168.1.0/24", "2001:db8::/32"], deletionProtection: true },
    ]);
    expect(view).toMatchObject({
      configuration: "tuned",
      configuration_id: "cfg-1",
      allowed_cidrs: ["10.0.0.0/8", "192.168.1.0/24", "2001:db8::/32"],
      deletion_protection: true,
    });
  });

  it("--wait counts RESTART_REQUIRED as running, and says a restart is due", async () => {
    fake.buildOutcome = "restart_required";
    const run = await hoard("instance", "create", "db2", "--flavor", "small", "--size", "1", "--datastore", "postgresql", "--configuration", "tuned", "--wait");
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      "db2: BUILD (BUILDING)\ndb2: RESTART_REQUIRED (HEALTHY)\n" +
        "db2: some settings take effect at the next restart (hoard instance restart db2)\n",
    );
  });

  it("sends no settings when none are given", async () => {
    await json("instance", "create", "db2", "--flavor", "small", "--size", "1", "--datastore", "postgresql");
    expect(requestsOf("CreateInstance")).toMatchObject([{ configuration: "", allowedCidrs: [], deletionProtection: false }]);
  });

  it("show prints the volume's use in GB and percent, the CIDRs, protection and group", async () => {
    expect(await json("instance", "show", "db1")).toMatchObject({
      volume_size: 1,
      volume_used_bytes: 41_943_040,
      volume_total_bytes: 1_056_858_112,
      volume_used_gb: 0.04,
      volume_used_percent: 4,
      allowed_cidrs: [],
      deletion_protection: false,
      configuration: "",
      configuration_id: "",
    });
    const table = (await hoard("instance", "show", "db1")).stdout;
    expect(table).toMatch(/\| volume_used_percent\s+\| 4\s+\|/);
    expect(table).toMatch(/\| deletion_protection\s+\| false\s+\|/);
  });

  it.each([
    [["--configuration", ""], "error: --configuration must not be empty\n"],
    [["--allowed-cidr", "10.0.0.0/8,"], "error: --allowed-cidr has an empty CIDR\n"],
  ])("%j is a usage error before any call", async (flags, stderr) => {
    const run = await hoard("instance", "create", "db2", "--flavor", "small", "--size", "1", "--datastore", "postgresql", ...flags);
    expect(run).toEqual({ code: 2, stdout: "", stderr });
    expect(fake.calls).toHaveLength(0);
  });
});

describe("instance update", () => {
  it("--allowed-cidr replaces the list; --wait follows UPDATE until ACTIVE", async () => {
    const run = await hoard("instance", "update", "db1", "--allowed-cidr", "10.0.0.0/8", "--allowed-cidr", "172.16.0.0/12", "--wait", "-f", "json");
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("db1: UPDATE (HEALTHY)\ndb1: ACTIVE (HEALTHY)\n");
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "ACTIVE", allowed_cidrs: ["10.0.0.0/8", "172.16.0.0/12"] });
    const [request] = requestsOf("UpdateInstance") as UpdateInstanceRequest[];
    expect(request?.allowedCidrs?.cidrs).toEqual(["10.0.0.0/8", "172.16.0.0/12"]);
    expect([request?.name, request?.deletionProtection, request?.configuration]).toEqual([undefined, undefined, undefined]);
  });

  it("--clear-allowed-cidrs sends an empty CidrList, not an absent one", async () => {
    await json("instance", "update", "db1", "--allowed-cidr", "10.0.0.0/8");
    fake.calls.length = 0;
    expect(await json("instance", "update", "db1", "--clear-allowed-cidrs")).toMatchObject({ status: "UPDATE", allowed_cidrs: [] });
    const [request] = requestsOf("UpdateInstance") as UpdateInstanceRequest[];
    expect(request?.allowedCidrs).toBeDefined();
    expect(request?.allowedCidrs?.cidrs).toEqual([]);
  });

  it("--deletion-protection and --no-deletion-protection send true and false; delete is refused in between", async () => {
    expect(await json("instance", "update", "db1", "--deletion-protection")).toMatchObject({ deletion_protection: true });
    const refused = await hoard("instance", "delete", "db1");
    expect(refused).toEqual({ code: 1, stdout: "", stderr: 'error: failed_precondition: instance "db1" has deletion protection on\n' });
    expect(await json("instance", "update", "db1", "--no-deletion-protection")).toMatchObject({ deletion_protection: false });
    expect(requestsOf("UpdateInstance")).toMatchObject([{ deletionProtection: true }, { deletionProtection: false }]);
    expect((requestsOf("UpdateInstance")[0] as UpdateInstanceRequest).allowedCidrs).toBeUndefined();
  });

  it("--configuration attaches a group; --detach-configuration sends an empty string", async () => {
    expect(await json("instance", "update", "db1", "--configuration", "tuned")).toMatchObject({ configuration: "tuned", configuration_id: "cfg-1" });
    expect(await json("instance", "update", "db1", "--detach-configuration")).toMatchObject({ configuration: "", configuration_id: "" });
    expect(requestsOf("UpdateInstance")).toMatchObject([{ configuration: "tuned" }, { configuration: "" }]);
  });

  it("--wait says when the server needs a restart to apply the change", async () => {
    fake.settleOutcome = "restart_required";
    const run = await hoard("instance", "update", "db1", "--configuration", "tuned", "--wait");
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      "db1: UPDATE (HEALTHY)\ndb1: RESTART_REQUIRED (HEALTHY)\n" +
        "db1: some settings take effect at the next restart (hoard instance restart db1)\n",
    );
    expect(run.stdout).toMatch(/\| status\s+\| RESTART_REQUIRED\s+\|/);
  });

  it("--wait exits 1 with the fault when the change fails, and gives up at --timeout", async () => {
    fake.settleOutcome = "error";
    const failed = await hoard("instance", "update", "db1", "--clear-allowed-cidrs", "--wait");
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^db1: UPDATE \(HEALTHY\)\ndb1: ERROR \(FAILED\)\nerror: db1 is ERROR: .+\n$/);

    fake.settleOutcome = "stuck";
    await hoard("instance", "update", id, "--name", "db2");
    const stuck = await hoard("instance", "update", "db2", "--clear-allowed-cidrs", "--wait", "--timeout", "1");
    expect(stuck.code).toBe(1);
    expect(stuck.stderr).toMatch(/error: timed out after 1s waiting for db2 to finish updating \(last seen: UPDATE \(HEALTHY\)\)\n$/);
  });

  it("rename and settings go in one call", async () => {
    await json("instance", "update", "db1", "--name", "orders", "--deletion-protection");
    expect(requestsOf("UpdateInstance")).toMatchObject([{ id: "db1", name: "orders", deletionProtection: true }]);
  });

  it.each([
    [["--allowed-cidr", "10.0.0.0/8", "--clear-allowed-cidrs"], "--allowed-cidr <cidr>' cannot be used with option '--clear-allowed-cidrs"],
    [["--configuration", "tuned", "--detach-configuration"], "--configuration <group>' cannot be used with option '--detach-configuration"],
  ])("%j conflict: usage error before any call", async (flags, message) => {
    const run = await hoard("instance", "update", "db1", ...flags);
    expect(run).toMatchObject({ code: 2, stdout: "" });
    expect(run.stderr).toContain(message);
    expect(fake.calls).toHaveLength(0);
  });

  it("an unknown group is NOT_FOUND, exit 1", async () => {
    const run = await hoard("instance", "update", "db1", "--configuration", "nope");
    expect(run).toEqual({ code: 1, stdout: "", stderr: 'error: not_found: configuration group "nope" not found\n' });
  });
});

describe("instance resize", () => {
  it("resize-flavor sends the flavor and --wait follows RESIZE until ACTIVE on the new flavor", async () => {
    fake.catalogue.flavors.push({ ...fake.catalogue.flavors[0]!, id: "f-large", name: "large", ramMb: 8192 });
    const run = await hoard("instance", "resize-flavor", "db1", "large", "--wait", "-f", "json");
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("db1: RESIZE (HEALTHY)\ndb1: ACTIVE (HEALTHY)\n");
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "ACTIVE", flavor: "large", flavor_id: "f-large" });
    expect(requestsOf("ResizeInstance")).toMatchObject([{ id: "db1", flavor: "large" }]);
  });

  it("Trove's `resize flavor` and `resize volume` are the same commands", async () => {
    expect(await json("instance", "resize", "flavor", "db1", "small")).toMatchObject({ status: "RESIZE" });
    expect(requestsOf("ResizeInstance")).toMatchObject([{ id: "db1", flavor: "small" }]);
    await hoard("instance", "show", "db1");
    await hoard("instance", "show", "db1");
    expect(await json("instance", "resize", "volume", "db1", "3")).toMatchObject({ status: "RESIZE" });
    expect(requestsOf("ResizeInstanceVolume")).toMatchObject([{ id: "db1", sizeGb: 3 }]);
  });

  it("resize-volume --wait ends with the new size; RESTART_REQUIRED counts as done", async () => {
    fake.settleOutcome = "restart_required";
    const run = await hoard("instance", "resize-volume", id, "5", "--wait", "-f", "json");
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^db1: RESIZE \(HEALTHY\)\ndb1: RESTART_REQUIRED \(HEALTHY\)\n/);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "RESTART_REQUIRED", volume_size: 5 });
  });

  it("a volume that would shrink is the API's INVALID_ARGUMENT, exit 1", async () => {
    const run = await hoard("instance", "resize-volume", "db1", "1");
    expect(run).toEqual({ code: 1, stdout: "", stderr: "error: invalid_argument: size_gb: must be larger than the current 1 GiB\n" });
  });

  it.each([
    ["ten", 'error: the volume size must be a whole number, got "ten"\n'],
    ["0", "error: the volume size must be between 1 and 1024, got 0\n"],
  ])("size %s is a usage error before any call", async (size, stderr) => {
    expect(await hoard("instance", "resize-volume", "db1", size)).toEqual({ code: 2, stdout: "", stderr });
    expect(fake.calls).toHaveLength(0);
  });
});

describe("instance configuration", () => {
  it("prints every parameter's live value, what the group sets and whether a change needs a restart", async () => {
    await json("instance", "update", "db1", "--configuration", "tuned");
    const run = await hoard("instance", "configuration", "db1");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[1]).toMatch(/^\| Name\s+\| Value \| Configured \| Restart Required \|$/);
    expect(lines.slice(3, 6)).toEqual([
      "| log_min_duration_statement | -1    |            | false            |",
      "| max_connections            | 100   |            | true             |",
      "| work_mem                   | 8192  | 8192       | false            |",
    ]);
    expect(requestsOf("GetInstanceConfiguration")).toMatchObject([{ id: "db1" }]);
  });

  it("-f json has the attached group's id and the parameters", async () => {
    expect(await json("instance", "configuration", "db1")).toEqual({
      configuration_id: "",
      parameters: [
        { name: "log_min_duration_statement", value: "-1", configured: "", restart_required: false },
        { name: "max_connections", value: "100", configured: "", restart_required: true },
        { name: "work_mem", value: "4096", configured: "", restart_required: false },
      ],
    });
  });
});
