// The `hoard` CLI as a user runs it: runHoard in-process against a real connect-node server (an
// in-memory gateway on port 0), checking stdout, stderr, the exit code and what reached the API.
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runHoard } from "../../cli/hoard.js";
import type { CreateInstanceRequest } from "../../gen/proto/hoard/v1/instance_pb.js";
import { startFakeHoard, type FakeHoard } from "./fake-hoard.js";
import { runBin, runCli, type Run, type RunOptions } from "./harness.js";

const token = "test-token-3f9a";
let fake: FakeHoard;
let home: string;

beforeEach(async () => {
  fake = await startFakeHoard(token);
  home = await mkdtemp(join(tmpdir(), "hoard-cli-"));
});

afterEach(async () => {
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

function hoard(args: string[], opts: RunOptions = {}): Promise<Run> {
  return runCli(runHoard, { url: fake.url, token, home }, args, opts);
}

const createArgs = ["instance", "create", "db1", "--flavor", "small", "--size", "2", "--datastore", "postgresql"];

function requestsOf(method: string): unknown[] {
  return fake.calls.filter((c) => c.method === method).map((c) => c.request);
}

describe("instance create", () => {
  it("creates with --wait, printing progress until ACTIVE, and sends the parsed databases and users", async () => {
    const run = await hoard(
      [
        ...createArgs,
        "--datastore-version",
        "15",
        "--databases",
        "orders,audit",
        "--users",
        "app:s3cr:et-pw,ro:readonly-pw@10.0.0.%",
        "--wait",
      ],
      { pollIntervalMs: 500 },
    );

    expect(run.stderr).toBe("db1: BUILD (BUILDING)\ndb1: ACTIVE (HEALTHY)\n");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\| status\s+\| ACTIVE\s+\|/);
    expect(run.stdout).toMatch(/\| host\s+\| 127\.0\.0\.2\s+\|/);

    const [request] = requestsOf("CreateInstance") as CreateInstanceRequest[];
    expect(request).toMatchObject({
      name: "db1",
      flavor: "small",
      volumeSizeGb: 2,
      datastore: "postgresql",
      datastoreVersion: "15",
      databases: [{ name: "orders" }, { name: "audit" }],
      users: [
        { name: "app", password: "s3cr:et-pw", host: "", databases: ["orders", "audit"] },
        { name: "ro", password: "readonly-pw", host: "10.0.0.%", databases: ["orders", "audit"] },
      ],
    });
    expect(fake.calls.length).toBeGreaterThanOrEqual(3);
    expect(fake.calls.every((c) => c.authorization === `Bearer ${token}`)).toBe(true);
    expect(run.stdout + run.stderr).not.toMatch(/s3cr:et-pw|readonly-pw/);
  });

  it("prints the new instance in BUILD at once without --wait", async () => {
    const run = await hoard([...createArgs, "-f", "json"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toMatchObject({ name: "db1", status: "BUILD", volume_size: 2 });
    expect(requestsOf("GetInstance")).toHaveLength(0);
  });

  it.each([
    ["app", "--users entry 1 must be name:password[@host] (no ':' found)"],
    [":pw-secret", "--users entry 1 has no user name before ':' (expected name:password[@host])"],
    ["ok:password1,bob:", '--users entry 2 (user "bob") has an empty password'],
  ])("rejects --users %s before calling the API", async (spec, message) => {
    const run = await hoard([...createArgs, "--databases", "orders", "--users", spec]);
    expect(run).toEqual({ code: 2, stdout: "", stderr: `error: ${message}\n` });
    expect(run.stderr).not.toContain("pw-secret");
    expect(run.stderr).not.toContain("password1");
    expect(fake.calls).toHaveLength(0);
  });

  it("rejects a bad --size as a usage error without calling the API", async () => {
    const run = await hoard(["instance", "create", "db1", "--flavor", "small", "--size", "two", "--datastore", "pg"]);
    expect(run).toMatchObject({ code: 2, stdout: "" });
    expect(run.stderr).toBe('error: --size must be a whole number, got "two"\n');
    expect(fake.calls).toHaveLength(0);
  });

  it("exits 1 printing the fault when the instance goes to ERROR during --wait", async () => {
    fake.buildOutcome = "error";
    const run = await hoard([...createArgs, "--wait"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      "db1: BUILD (BUILDING)\ndb1: ERROR (FAILED)\nerror: db1 is ERROR: initdb failed: disk full (step prepare)\n",
    );
  });

  it("gives up at the --timeout deadline, saying so", async () => {
    fake.buildOutcome = "stuck";
    const run = await hoard([...createArgs, "--wait", "--timeout", "1"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^db1: BUILD \(NEW\)\nerror: timed out after 1s waiting for db1 to become ACTIVE \(last seen: BUILD \(NEW\)\)\n$/);
  });
});

describe("instance show, list, restart, delete", () => {
  it("show -f json prints one object with the documented fields, enums without prefix", async () => {
    await hoard([...createArgs, "--wait"]);
    const run = await hoard(["instance", "show", "db1", "-f", "json"]);
    expect(run.code).toBe(0);
    const shown = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({
      name: "db1",
      status: "ACTIVE",
      operating_status: "HEALTHY",
      host: "127.0.0.2",
      port: 5432,
      datastore: "postgresql",
      datastore_version: "15",
      flavor: "small",
      volume_size: 2,
      volume_used_bytes: 41_943_040,
    });
    expect(shown["id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(String(shown["created"]))).not.toBeNaN();
    expect(Date.parse(String(shown["updated"]))).not.toBeNaN();
    expect(shown).not.toHaveProperty("fault");

    const byId = await hoard(["instance", "show", String(shown["id"]), "-f", "json"]);
    expect(JSON.parse(byId.stdout)).toMatchObject({ name: "db1" });
  });

  it("show prints the fault of an instance in ERROR", async () => {
    fake.buildOutcome = "error";
    await hoard([...createArgs, "--wait"]);
    const json = JSON.parse((await hoard(["instance", "show", "db1", "-f", "json"])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ status: "ERROR", fault: { message: "initdb failed: disk full", details: "step prepare" } });
    expect(Date.parse(String((json["fault"] as Record<string, unknown>)["created"]))).not.toBeNaN();
    const table = (await hoard(["instance", "show", "db1"])).stdout;
    expect(table).toMatch(/^\+-+\+-+\+\n\| Field\s+\| Value\s+\|\n/);
    expect(table).toMatch(/\| fault_message\s+\| initdb failed: disk full\s+\|/);
  });

  it("list -f table prints a header and every instance, following pages", async () => {
    for (const name of ["db1", "db2", "db3"]) {
      expect((await hoard(["instance", "create", name, "--flavor", "small", "--size", "1", "--datastore", "postgresql"])).code).toBe(0);
    }
    const run = await hoard(["instance", "list"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[1]).toMatch(/^\| ID\s+\| Name\s+\| Datastore\s+\| Datastore Version\s+\| Status\s+\| Operating Status\s+\| Host\s+\| Port\s+\| Flavor\s+\| Size\s+\|$/);
    expect(lines.filter((l) => /\| db\d /.test(l))).toHaveLength(3);
    expect(requestsOf("ListInstances")).toHaveLength(2);

    const limited = await hoard(["instance", "list", "--limit", "1", "-f", "json"]);
    expect((JSON.parse(limited.stdout) as { name: string }[]).map((i) => i.name)).toEqual(["db1"]);
  });

  it("list -f json prints an empty array when there is nothing", async () => {
    const run = await hoard(["instance", "list", "-f", "json"]);
    expect(run).toMatchObject({ code: 0, stdout: "[]\n", stderr: "" });
  });

  it("restart --wait waits for ACTIVE again", async () => {
    await hoard([...createArgs, "--wait"]);
    const run = await hoard(["instance", "restart", "db1", "--wait", "-f", "json"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("db1: REBOOT (SHUTDOWN)\ndb1: ACTIVE (HEALTHY)\n");
    expect(JSON.parse(run.stdout)).toMatchObject({ status: "ACTIVE" });
  });

  it("delete --wait waits until the instance is NOT_FOUND", async () => {
    await hoard([...createArgs, "--wait"]);
    const run = await hoard(["instance", "delete", "db1", "--wait"]);
    expect(run).toMatchObject({ code: 0, stdout: "" });
    expect(run.stderr).toBe("db1: DELETING (SHUTDOWN)\ndb1: deleted\n");
    expect((await hoard(["instance", "show", "db1"])).code).toBe(1);
  });

  it("an API NOT_FOUND exits 1 with one line naming the code", async () => {
    const run = await hoard(["instance", "show", "db9"]);
    expect(run).toEqual({ code: 1, stdout: "", stderr: 'error: not_found: instance "db9" not found\n' });
  });
});

describe("catalog", () => {
  it("datastore list, datastore version list and flavor list print tables and JSON", async () => {
    const ds = await hoard(["datastore", "list"]);
    expect(ds.stdout).toMatch(/\| ID\s+\| Name\s+\| Default Version \| Versions\s+\|/);
    expect(ds.stdout).toMatch(/\| ds-pg \| postgresql \| 15\s+\| 15, 16\s+\|/);

    const versions = await hoard(["datastore", "version", "list", "postgresql", "-f", "json"]);
    expect(JSON.parse(versions.stdout)).toEqual([
      { id: "v-pg15", name: "15", datastore: "postgresql", manager: "postgresql", active: true },
      { id: "v-pg16", name: "16", datastore: "postgresql", manager: "postgresql", active: true },
    ]);
    const missing = await hoard(["datastore", "version", "list", "oracle"]);
    expect(missing).toMatchObject({ code: 1, stderr: 'error: not_found: datastore "oracle" not found\n' });

    const flavors = await hoard(["flavor", "list", "-f", "json"]);
    expect(JSON.parse(flavors.stdout)).toEqual([{ id: "f-small", name: "small", vcpus: 1, ram_mb: 1024 }]);
  });
});

describe("connection", () => {
  it("reads the token from $HOARD_HOME/admin-token, HOARD_HOME relative to the cwd", async () => {
    await mkdir(join(home, "state"));
    await writeFile(join(home, "state", "admin-token"), `${token}\n`);
    const run = await hoard(["flavor", "list"], { env: { HOARD_TOKEN: undefined, HOARD_HOME: "state" } });
    expect(run.code).toBe(0);
    expect(fake.calls[0]?.authorization).toBe(`Bearer ${token}`);
  });

  it("without any token, the unauthenticated error says where a token is looked for", async () => {
    const run = await hoard(["flavor", "list"], { env: { HOARD_TOKEN: undefined } });
    expect(run.code).toBe(1);
    expect(fake.calls[0]?.authorization).toBeNull();
    expect(run.stderr).toBe(
      `error: unauthenticated: missing or invalid bearer token (no token: set HOARD_TOKEN or write ${join(home, ".hoard", "admin-token")})\n`,
    );
  });

  it("an unreachable gateway is one line naming HOARD_URL", async () => {
    const url = fake.url;
    await fake.close();
    fake = await startFakeHoard(token); // afterEach closes this one
    const run = await hoard(["instance", "list"], { env: { HOARD_URL: url } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: unavailable: .*set HOARD_URL\)\n$/);
  });
});

describe("usage", () => {
  it("no command prints help on stderr and exits 2; --help exits 0", async () => {
    const bare = await hoard([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("Usage: hoard");
    const help = await hoard(["instance", "create", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--users <users>");
  });

  it("an unknown -f value is a usage error", async () => {
    const run = await hoard(["flavor", "list", "-f", "yaml"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: option '-f, --format <format>' argument 'yaml' is invalid/);
  });
});

describe("bin/hoard.js", () => {
  it("runs the CLI as a process and exits with its status", async () => {
    const run = await runBin("hoard", { url: fake.url, token, home }, ["instance", "show", "db9"]);
    expect(run).toEqual({ code: 1, stdout: "", stderr: 'error: not_found: instance "db9" not found\n' });
  }, 20_000);
});
