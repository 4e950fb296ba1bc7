// `hoard configuration ...` against the in-memory gateway: how --values, VALUES, --set and --unset
// become the request's values, what each command prints, attach/detach through UpdateInstance, and
// the usage errors that stop a command before any call.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runHoard } from "../../cli/hoard.js";
import { startFakeHoard, type FakeHoard } from "./fake-hoard.js";
import { runCli, type Run } from "./harness.js";

const token = "test-token-c0f1";
let fake: FakeHoard;
let home: string;

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

const create = ["configuration", "create", "tuned", "--datastore", "postgresql"];

beforeEach(async () => {
  fake = await startFakeHoard(token);
  home = await mkdtemp(join(tmpdir(), "hoard-cli-"));
});

afterEach(async () => {
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

describe("configuration create", () => {
  it("sends --set values as strings and --values typed; prints the group the API normalised", async () => {
    const view = await json(
      ...create,
      "--datastore-version", "15",
      "--description", "for orders",
      "--values", '{"max_connections": 200}',
      "--set", "work_mem=8192",
      "--set", "log_min_duration_statement=-1",
    );
    expect(requestsOf("CreateConfiguration")).toMatchObject([
      {
        name: "tuned",
        description: "for orders",
        datastore: "postgresql",
        datastoreVersion: "15",
        values: { max_connections: 200, work_mem: "8192", log_min_duration_statement: "-1" },
      },
    ]);
    expect(view).toEqual({
      id: "cfg-1",
      name: "tuned",
      description: "for orders",
      datastore: "postgresql",
      datastore_version: "15",
      values: { max_connections: 200, work_mem: 8192, log_min_duration_statement: -1 },
      instance_count: 0,
      created: expect.any(String) as string,
      updated: expect.any(String) as string,
    });
  });

  it("takes Trove's VALUES argument; a value after '=' may hold '='", async () => {
    await json(...create, '{"work_mem": 1024}');
    expect(requestsOf("CreateConfiguration")).toMatchObject([{ values: { work_mem: 1024 }, datastoreVersion: "" }]);
    await hoard("configuration", "create", "odd", "--datastore", "postgresql", "--set", "work_mem=a=b");
    expect(requestsOf("CreateConfiguration")[1]).toMatchObject({ values: { work_mem: "a=b" } });
  });

  it("prints values one per line, sorted, in the table", async () => {
    const run = await hoard(...create, "--set", "work_mem=8192", "--set", "max_connections=50");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(/\| values\s+\| max_connections = 50\s+\|\n\|\s+\| work_mem = 8192\s+\|/);
  });

  it.each([
    [["--set", "max_connections"], `error: --set "max_connections" must be key=value (no '=' found)`],
    [["--set", "=5"], `error: --set "=5" must be key=value (no key before '=')`],
    [["--set", "work_mem=1", "--set", "work_mem=2"], `error: parameter "work_mem" is given twice (--set)`],
    [["--values", '{"work_mem": 1}', "--set", "work_mem=2"], `error: parameter "work_mem" is given twice (--values and --set)`],
    [["--values", "{work_mem: 1}"], "error: --values is not valid JSON: "],
    [["--values", "[1]"], `error: --values must be a JSON object, e.g. '{"max_connections": 200}'`],
    [['{"a": 1}', "--values", '{"b": 2}'], "error: give the values as the VALUES argument or with --values, not both"],
    [["not json"], "error: VALUES is not valid JSON: "],
  ])("%j is a usage error naming it, before any call", async (flags, message) => {
    const run = await hoard(...create, ...flags);
    expect(run).toMatchObject({ code: 2, stdout: "" });
    expect(run.stderr.startsWith(message)).toBe(true);
    expect(fake.calls).toHaveLength(0);
  });

  it("values the catalogue refuses are the API's INVALID_ARGUMENT naming each, exit 1", async () => {
    const run = await hoard(...create, "--set", "max_connections=0", "--set", "colour=blue");
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: invalid_argument: values: max_connections: must be between 1 and 10000, got 0; colour: unknown parameter\n",
    });
  });
});

describe("configuration list, show, instances, delete", () => {
  beforeEach(async () => {
    expect((await hoard(...create, "--set", "work_mem=8192")).code).toBe(0);
    expect((await hoard("instance", "create", "db1", "--flavor", "small", "--size", "1", "--datastore", "postgresql", "--configuration", "tuned")).code).toBe(0);
    fake.calls.length = 0;
  });

  it("list prints a table with the instance count; -f json the full groups", async () => {
    const run = await hoard("configuration", "list");
    expect(run.stdout).toMatch(/^\| ID\s+\| Name\s+\| Description \| Datastore\s+\| Datastore Version \| Instances \|$/m);
    expect(run.stdout).toMatch(/\| cfg-1 \| tuned \|\s+\| postgresql \| 15\s+\| 1\s+\|/);
    expect(await json("configuration", "list")).toMatchObject([{ id: "cfg-1", values: { work_mem: 8192 }, instance_count: 1 }]);
  });

  it("show by name or id", async () => {
    expect(await json("configuration", "show", "cfg-1")).toMatchObject({ name: "tuned" });
    expect(await json("configuration", "show", "tuned")).toMatchObject({ id: "cfg-1" });
    expect(requestsOf("GetConfiguration")).toMatchObject([{ id: "cfg-1" }, { id: "tuned" }]);
  });

  it("instances lists where the group is attached", async () => {
    expect(await json("configuration", "instances", "tuned")).toEqual([{ id: expect.any(String) as string, name: "db1" }]);
  });

  it("delete refuses while attached, then deletes once detached", async () => {
    expect(await hoard("configuration", "delete", "tuned")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: failed_precondition: configuration group "tuned" is attached to db1\n',
    });
    await json("configuration", "detach", "db1");
    expect(await json("configuration", "delete", "tuned")).toEqual({ configuration: "tuned", deleted: true });
    expect(await hoard("configuration", "show", "tuned")).toMatchObject({ code: 1, stderr: 'error: not_found: configuration group "tuned" not found\n' });
  });
});

describe("configuration update and replace", () => {
  beforeEach(async () => {
    expect((await hoard(...create, "--set", "work_mem=8192", "--set", "max_connections=50")).code).toBe(0);
    fake.calls.length = 0;
  });

  it("update merges --set and sends --unset as null, which removes the value", async () => {
    const view = await json("configuration", "update", "tuned", "--set", "log_min_duration_statement=250", "--unset", "max_connections");
    expect(requestsOf("UpdateConfiguration")).toMatchObject([
      { id: "tuned", values: { log_min_duration_statement: "250", max_connections: null } },
    ]);
    expect(view).toMatchObject({ values: { work_mem: 8192, log_min_duration_statement: 250 } });
    expect((view as { values: object }).values).not.toHaveProperty("max_connections");
  });

  it("update --name and --description alone send no values", async () => {
    expect(await json("configuration", "update", "tuned", "--name", "big", "--description", "")).toMatchObject({ name: "big", description: "" });
    const [request] = requestsOf("UpdateConfiguration") as { values?: unknown; name?: string; description?: string }[];
    expect(request).toMatchObject({ name: "big", description: "" });
    expect(request?.values).toBeUndefined();
  });

  it("replace sends the whole new set of values", async () => {
    expect(await json("configuration", "replace", "tuned", "--values", '{"work_mem": 1024}')).toMatchObject({ values: { work_mem: 1024 } });
    expect(requestsOf("ReplaceConfiguration")).toMatchObject([{ id: "tuned", values: { work_mem: 1024 } }]);
  });

  it.each([
    [["update", "tuned"], "error: nothing to change: give --set, --unset, --values, --name or --description\n"],
    [["update", "tuned", "--name", ""], "error: --name must not be empty\n"],
    [["update", "tuned", "--unset", "work_mem=1"], 'error: --unset takes a parameter name, got "work_mem=1"\n'],
    [["update", "tuned", "--set", "work_mem=1", "--unset", "work_mem"], 'error: parameter "work_mem" is given twice (--set and --unset)\n'],
    [["replace", "tuned"], "error: give the new values with --values or --set (--values '{}' clears them all)\n"],
  ])("%j is a usage error before any call", async (args, stderr) => {
    expect(await hoard("configuration", ...args)).toEqual({ code: 2, stdout: "", stderr });
    expect(fake.calls).toHaveLength(0);
  });
});

describe("configuration parameters", () => {
  it("lists what a version's groups may set", async () => {
    const run = await hoard("configuration", "parameters", "postgresql", "15");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(/^\| Name\s+\| Type\s+\| Min \| Max\s+\| Allowed Values \| Unit \| Restart Required \|$/m);
    expect(run.stdout).toMatch(/\| max_connections\s+\| integer \| 1\s+\| 10000\s+\|\s+\|\s+\| true\s+\|/);
    expect(requestsOf("ListConfigurationParameters")).toMatchObject([{ datastore: "postgresql", version: "15" }]);
  });

  it("Trove's `parameter list VERSION --datastore D` and `parameter show`", async () => {
    const list = (await json("configuration", "parameter", "list", "15", "--datastore", "postgresql")) as { name: string }[];
    expect(list.map((p) => p.name)).toEqual(["log_min_duration_statement", "max_connections", "work_mem"]);
    expect(await json("configuration", "parameter", "show", "15", "work_mem", "--datastore", "postgresql")).toEqual({
      name: "work_mem",
      type: "integer",
      min: 64,
      max: 2147483647,
      allowed_values: [],
      unit: "kB",
      restart_required: false,
      description: "memory per sort or hash",
    });
    expect(await hoard("configuration", "parameter", "show", "15", "colour", "--datastore", "postgresql")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: postgresql 15 has no parameter "colour"\n',
    });
  });

  it("a version without a catalogue is NOT_FOUND, exit 1", async () => {
    expect(await hoard("configuration", "parameters", "postgresql", "16")).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: not_found: postgresql 16 has no parameter catalogue\n",
    });
  });
});

describe("configuration attach and detach", () => {
  beforeEach(async () => {
    expect((await hoard(...create, "--set", "max_connections=50")).code).toBe(0);
    expect((await hoard("instance", "create", "db1", "--flavor", "small", "--size", "1", "--datastore", "postgresql", "--wait")).code).toBe(0);
    fake.calls.length = 0;
  });

  it("attach sends UpdateInstance with the group; --wait follows the update", async () => {
    fake.settleOutcome = "restart_required";
    const run = await hoard("configuration", "attach", "db1", "tuned", "--wait", "-f", "json");
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      "db1: UPDATE (HEALTHY)\ndb1: RESTART_REQUIRED (HEALTHY)\n" +
        "db1: some settings take effect at the next restart (hoard instance restart db1)\n",
    );
    expect(JSON.parse(run.stdout)).toMatchObject({ configuration: "tuned", status: "RESTART_REQUIRED" });
    expect(requestsOf("UpdateInstance")).toMatchObject([{ id: "db1", configuration: "tuned" }]);
  });

  it("detach sends an empty configuration", async () => {
    await json("configuration", "attach", "db1", "tuned");
    expect(await json("configuration", "detach", "db1")).toMatchObject({ configuration: "", status: "UPDATE" });
    expect(requestsOf("UpdateInstance")).toMatchObject([{ configuration: "tuned" }, { configuration: "" }]);
  });

  it("attach with an empty group is a usage error", async () => {
    expect(await hoard("configuration", "attach", "db1", "")).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: the configuration group must not be empty (detach with configuration detach)\n",
    });
    expect(fake.calls).toHaveLength(0);
  });
});
