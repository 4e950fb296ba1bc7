// `hoard-manage` against the in-memory gateway: each command's request and output, the operator's
// admin token (from $HOARD_HOME/admin-token by default), usage errors, and the token secret printed
// once. The fake accepts a member token too, which ManageService refuses.
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runHoard } from "../../cli/hoard.js";
import { runHoardManage } from "../../cli/hoard-manage.js";
import { startFakeHoard, type FakeHoard } from "./fake-hoard.js";
import { runBin, runCli, type Run, type RunOptions } from "./harness.js";

const adminToken = "admin-token-51e0";
const memberToken = "member-token-9b7a";
let fake: FakeHoard;
let home: string;

beforeEach(async () => {
  fake = await startFakeHoard(memberToken, adminToken);
  home = await mkdtemp(join(tmpdir(), "hoard-manage-"));
});

afterEach(async () => {
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

function manage(args: string[], opts: RunOptions = {}): Promise<Run> {
  return runCli(runHoardManage, { url: fake.url, token: adminToken, home }, args, opts);
}

/** Runs a command that must succeed and returns its JSON output. */
async function json(...args: string[]): Promise<unknown> {
  const run = await manage([...args, "-f", "json"]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as unknown;
}

function requestsOf(method: string): unknown[] {
  return fake.calls.filter((c) => c.method === method).map((c) => c.request);
}

describe("datastore", () => {
  it("list shows every version with its manager, binaries, active and default flags", async () => {
    const run = await manage(["datastore", "list"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[1]).toMatch(/^\| Datastore\s+\| Version \| Manager\s+\| Bin Dir\s+\| Active \| Default \|$/);
    expect(run.stdout).toMatch(/\| postgresql \| 15\s+\| postgresql \| \/usr\/lib\/postgresql\/15\/bin \| true\s+\| true\s+\|/);
    expect(run.stdout).toMatch(/\| postgresql \| 16\s+\| postgresql \| \/usr\/lib\/postgresql\/16\/bin \| true\s+\| false\s+\|/);
    expect(fake.calls).toMatchObject([{ method: "ListManagedDatastores", authorization: `Bearer ${adminToken}` }]);
  });

  it("create, version create and update register an engine; list shows inactive ones too", async () => {
    expect(await json("datastore", "create", "mariadb")).toEqual({
      id: "ds-mariadb",
      name: "mariadb",
      active: true,
      default_version: "",
      versions: [],
    });
    expect(requestsOf("CreateDatastore")).toMatchObject([{ name: "mariadb" }]);
    expect((await manage(["datastore", "list"])).stdout).toMatch(/\| mariadb\s+\|\s+\|\s+\|\s+\|\s+\|\s+\|/);

    const created = await json("datastore", "version", "create", "mariadb", "11.4", "--manager", "mariadb", "--bin-dir", "/opt/mariadb/11.4/bin", "--inactive", "--default");
    expect(created).toEqual({
      id: "v-mariadb-11.4",
      name: "11.4",
      datastore: "mariadb",
      manager: "mariadb",
      bin_dir: "/opt/mariadb/11.4/bin",
      active: false,
    });
    expect(requestsOf("CreateDatastoreVersion")).toMatchObject([
      { datastore: "mariadb", name: "11.4", manager: "mariadb", binDir: "/opt/mariadb/11.4/bin", active: false, makeDefault: true },
    ]);

    const activated = await json("datastore", "version", "update", "mariadb", "11.4", "--active", "--bin-dir", "/opt/mariadb/bin");
    expect(activated).toMatchObject({ active: true, bin_dir: "/opt/mariadb/bin" });
    expect(requestsOf("UpdateDatastoreVersion")).toMatchObject([
      { datastore: "mariadb", version: "11.4", active: true, binDir: "/opt/mariadb/bin" },
    ]);

    expect(await json("datastore", "update", "postgresql", "--inactive", "--default-version", "16")).toMatchObject({
      name: "postgresql",
      active: false,
      default_version: "16",
    });
    expect(requestsOf("UpdateDatastore")).toMatchObject([{ datastore: "postgresql", active: false, defaultVersion: "16" }]);

    const list = await manage(["datastore", "list"]);
    expect(list.stdout).toMatch(/\| postgresql \(inactive\) \| 16\s+\| postgresql \| \/usr\/lib\/postgresql\/16\/bin \| true\s+\| true\s+\|/);
    expect(list.stdout).toMatch(/\| mariadb\s+\| 11\.4\s+\| mariadb\s+\| \/opt\/mariadb\/bin\s+\| true\s+\| true\s+\|/);
    const all = (await json("datastore", "list")) as { name: string; active: boolean; versions: { name: string; default: boolean }[] }[];
    expect(all.map((d) => [d.name, d.active])).toEqual([["postgresql", false], ["mariadb", true]]);
    expect(all[1]?.versions).toEqual([expect.objectContaining({ name: "11.4", bin_dir: "/opt/mariadb/bin", default: true })]);

    // Users see active datastores only.
    const visible = await runCli(runHoard, { url: fake.url, token: memberToken, home }, ["datastore", "list", "-f", "json"]);
    expect((JSON.parse(visible.stdout) as { name: string }[]).map((d) => d.name)).toEqual(["mariadb"]);
  });

  it("an update of an active state only sends `active`, leaving the rest unchanged", async () => {
    await json("datastore", "version", "update", "postgresql", "16", "--inactive");
    const table = await manage(["datastore", "update", "postgresql", "--active"]);
    expect(table.stdout).toMatch(/\| versions\s+\| 15, 16 \(inactive\)\s+\|/);
    expect(requestsOf("UpdateDatastore")).toMatchObject([{ datastore: "postgresql", active: true, defaultVersion: "" }]);
    expect(requestsOf("UpdateDatastoreVersion")).toMatchObject([{ version: "16", active: false, binDir: "" }]);
  });

  it.each([
    [["datastore", "update", "postgresql"], "error: nothing to change: give --active, --inactive or --default-version"],
    [["datastore", "update", "postgresql", "--default-version", ""], "error: --default-version must not be empty"],
    [["datastore", "update", "postgresql", "--active", "--inactive"], "error: option '--active' cannot be used with option '--inactive'"],
    [["datastore", "version", "update", "postgresql", "16"], "error: nothing to change: give --active, --inactive or --bin-dir"],
    [["datastore", "version", "update", "postgresql", "16", "--inactive", "--active"], "error: option '--active' cannot be used with option '--inactive'"],
    [["datastore", "version", "create", "postgresql", "17", "--bin-dir", "/x"], "error: required option '--manager <manager>' not specified"],
    [["flavor", "create", "medium", "--vcpus", "two", "--ram", "2048"], 'error: --vcpus must be a whole number, got "two"'],
    [["token", "create", "default", "--name", "ci", "--roles", "member,,reader"], "error: --roles has an empty role"],
    [["token", "create", "default", "--name", "ci", "--roles", "member", "--expires-in", "1h"], 'error: --expires-in must be a whole number, got "1h"'],
  ])("%j is a usage error: exit 2, one line, nothing sent", async (args, line) => {
    expect(await manage(args)).toEqual({ code: 2, stdout: "", stderr: `${line}\n` });
    expect(fake.calls).toHaveLength(0);
  });

  it("an API error is one line with its code, exit 1", async () => {
    const run = await manage(["datastore", "version", "create", "postgresql", "17", "--manager", "oracle", "--bin-dir", "/x"]);
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: invalid_argument: manager: must be one of postgresql, mariadb, redis, got "oracle"\n',
    });
    expect(await manage(["datastore", "update", "nope", "--active"])).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: not_found: datastore "nope" not found\n',
    });
  });
});

describe("datastore version parameters", () => {
  const catalogue = { parameters: [{ name: "shared_buffers", type: "integer", min: 16, max: 1048576, restart_required: true, default: "16384" }] };

  it("load sends the file's text as it is and prints how many parameters the version offers", async () => {
    const file = join(home, "pg15.json");
    const text = JSON.stringify(catalogue, null, 2) + "\n";
    await writeFile(file, text);
    expect(await json("datastore", "version", "parameters", "load", "postgresql", "15", file)).toEqual({
      datastore: "postgresql",
      version: "15",
      parameter_count: 1,
    });
    expect(requestsOf("SetParameterCatalogue")).toEqual([expect.objectContaining({ datastore: "postgresql", version: "15", catalogueJson: text })]);

    const list = await manage(["datastore", "version", "parameters", "list", "postgresql", "15"]);
    expect(list).toMatchObject({ code: 0, stderr: "" });
    expect(list.stdout).toMatch(/\| shared_buffers \| integer \| 16\s+\| 1048576 \|\s+\|\s+\| true\s+\|/);
  });

  it("a relative path reads from the working directory", async () => {
    await writeFile(join(home, "cat.json"), JSON.stringify(catalogue));
    const run = await manage(["datastore", "version", "parameters", "load", "postgresql", "16", "cat.json"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\| parameter_count \| 1\s+\|/);
  });

  it.each([
    ["missing.json", undefined, "error: cannot read missing.json: no such file"],
    ["bad.json", "{parameters: []}", "error: bad.json is not valid JSON: "],
  ])("%s is a usage error before any call", async (name, content, message) => {
    if (content !== undefined) await writeFile(join(home, name), content);
    const run = await manage(["datastore", "version", "parameters", "load", "postgresql", "15", name]);
    expect(run).toMatchObject({ code: 2, stdout: "" });
    expect(run.stderr.startsWith(message)).toBe(true);
    expect(fake.calls).toHaveLength(0);
  });

  it("a catalogue the API refuses is one line, exit 1", async () => {
    await writeFile(join(home, "odd.json"), "[]");
    expect(await manage(["datastore", "version", "parameters", "load", "postgresql", "15", "odd.json"])).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: invalid_argument: catalogue_json: expected {"parameters": [...]}\n',
    });
  });
});

describe("instance rescue", () => {
  let id: string;

  beforeEach(async () => {
    const created = await runCli(runHoard, { url: fake.url, token: memberToken, home }, [
      "instance", "create", "db1", "--flavor", "small", "--size", "1", "--datastore", "postgresql", "-f", "json",
    ]);
    id = (JSON.parse(created.stdout) as { id: string }).id;
    fake.calls.length = 0;
  });

  it("reset-status sends the id and says so", async () => {
    expect(await json("instance", "reset-status", id)).toEqual({ instance: id, status_reset: true });
    expect(requestsOf("ResetInstanceStatus")).toMatchObject([{ id }]);
    const show = await runCli(runHoard, { url: fake.url, token: memberToken, home }, ["instance", "show", id, "-f", "json"]);
    expect(JSON.parse(show.stdout)).toMatchObject({ status: "ACTIVE", task: "NONE" });
  });

  it("force-delete sends the id; deletion protection still holds", async () => {
    const member = (...args: string[]): ReturnType<typeof manage> => runCli(runHoard, { url: fake.url, token: memberToken, home }, args);
    await member("instance", "update", "db1", "--deletion-protection");
    expect(await manage(["instance", "force-delete", id])).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: failed_precondition: instance "db1" has deletion protection on\n',
    });
    await member("instance", "update", "db1", "--no-deletion-protection");
    const run = await manage(["instance", "force-delete", id]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(/\| deleting\s+\| true\s+\|/);
    expect(requestsOf("ForceDeleteInstance")).toMatchObject([{ id }, { id }]);
  });

  it("needs the admin token", async () => {
    const run = await manage(["instance", "reset-status", id], { env: { HOARD_TOKEN: memberToken } });
    expect(run).toEqual({ code: 1, stdout: "", stderr: "error: permission_denied: this call needs the admin role\n" });
  });
});

describe("flavor", () => {
  it("create sends vcpus, ram and the optional id; list and delete by name", async () => {
    expect(await json("flavor", "create", "medium", "--vcpus", "2", "--ram", "4096")).toEqual({
      id: "2",
      name: "medium",
      vcpus: 2,
      ram_mb: 4096,
    });
    const large = await manage(["flavor", "create", "large", "--vcpus", "4", "--ram", "8192", "--id", "f-large"]);
    expect(large.stdout).toMatch(/\| id\s+\| f-large\s+\|/);
    expect(requestsOf("CreateFlavor")).toMatchObject([
      { id: "", name: "medium", vcpus: 2, ramMb: 4096 },
      { id: "f-large", name: "large", vcpus: 4, ramMb: 8192 },
    ]);

    const list = await manage(["flavor", "list"]);
    expect(list.stdout).toMatch(/\| ID\s+\| Name\s+\| vCPUs \| RAM \(MiB\) \|/);
    expect(list.stdout.trimEnd().split("\n").filter((l) => /\| (small|medium|large) /.test(l))).toHaveLength(3);

    expect(await json("flavor", "delete", "medium")).toEqual({ flavor: "medium", deleted: true });
    expect(requestsOf("DeleteFlavor")).toMatchObject([{ id: "medium" }]);
    expect(await manage(["flavor", "delete", "medium"])).toEqual({ code: 1, stdout: "", stderr: 'error: not_found: flavor "medium" not found\n' });
  });
});

describe("project and token", () => {
  it("project create and list", async () => {
    const created = (await json("project", "create", "acme")) as Record<string, unknown>;
    expect(created).toMatchObject({ name: "acme" });
    expect(created["id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(String(created["created"]))).not.toBeNaN();
    expect(requestsOf("CreateProject")).toMatchObject([{ name: "acme" }]);

    const list = await manage(["project", "list"]);
    expect(list.stdout).toMatch(/\| ID\s+\| Name\s+\| Created\s+\|/);
    expect(list.stdout).toMatch(/\| p1\s+\| default \| 2025-01-02T03:04:05\.000Z \|/);
    expect(list.stdout).toContain("| acme ");
  });

  it("token create prints the secret once, with a note on stderr; list and revoke never show it", async () => {
    const run = await manage(["token", "create", "default", "--name", "ci", "--roles", "member,reader", "--expires-in", "3600"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("the token secret is shown only this once: store it now\n");
    const [id, secret] = [...fake.catalogue.secrets.entries()][0] ?? ["", ""];
    expect(secret).not.toBe("");
    expect(run.stdout.split(secret)).toHaveLength(2);
    expect(run.stdout).toMatch(/\| roles\s+\| member, reader\s+\|/);
    expect(requestsOf("CreateToken")).toMatchObject([{ project: "default", name: "ci", roles: ["member", "reader"], expiresInSeconds: 3600 }]);

    const listed = await manage(["token", "list", "--project", "default"]);
    expect(listed.stdout).toMatch(/\| ID\s+\| Name \| Project\s+\| Roles\s+\| Created\s+\| Expires\s+\| Revoked \|/);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).not.toContain(secret);
    expect(requestsOf("ListTokens")).toMatchObject([{ project: "default" }]);

    const revoked = (await json("token", "revoke", id)) as Record<string, unknown>;
    expect(revoked).toMatchObject({ id, name: "ci", project: "default", project_id: "p1", roles: ["member", "reader"] });
    expect(Date.parse(String(revoked["revoked"]))).not.toBeNaN();
    expect(JSON.stringify(revoked)).not.toContain(secret);
    expect(requestsOf("RevokeToken")).toMatchObject([{ id }]);
  });

  it("token create -f json includes the secret; without --expires-in the token does not expire", async () => {
    const run = await manage(["token", "create", "p1", "--name", "ops", "--roles", "admin", "-f", "json"]);
    expect(run).toMatchObject({ code: 0, stderr: "the token secret is shown only this once: store it now\n" });
    const created = JSON.parse(run.stdout) as Record<string, unknown>;
    const secret = [...fake.catalogue.secrets.values()][0];
    expect(created).toMatchObject({ name: "ops", project: "default", roles: ["admin"], expires: null, revoked: null, secret });
    expect(requestsOf("CreateToken")).toMatchObject([{ project: "p1", expiresInSeconds: 0 }]);
    expect(await json("token", "list")).toEqual([expect.not.objectContaining({ secret })]);
  });
});

describe("connection and usage", () => {
  it("uses the admin token from $HOARD_HOME/admin-token when HOARD_TOKEN is unset", async () => {
    await mkdir(join(home, ".hoard"));
    await writeFile(join(home, ".hoard", "admin-token"), `${adminToken}\n`);
    const run = await manage(["project", "list", "-f", "json"], { env: { HOARD_TOKEN: undefined } });
    expect(run.code).toBe(0);
    expect(fake.calls[0]?.authorization).toBe(`Bearer ${adminToken}`);
  });

  it("a token without the admin role is refused in one line, exit 1", async () => {
    const run = await manage(["project", "list"], { env: { HOARD_TOKEN: memberToken } });
    expect(run).toEqual({ code: 1, stdout: "", stderr: "error: permission_denied: this call needs the admin role\n" });
  });

  it("no command prints help on stderr and exits 2; an unknown -f is a usage error", async () => {
    const bare = await manage([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("Usage: hoard-manage");
    expect(bare.stderr).toContain("HOARD_TOKEN");
    const yaml = await manage(["token", "list", "-f", "yaml"]);
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toMatch(/^error: option '-f, --format <format>' argument 'yaml' is invalid/);
  });

  it("bin/hoard-manage.js runs the CLI as a process", async () => {
    const run = await runBin("hoard-manage", { url: fake.url, token: adminToken, home }, ["flavor", "list", "-f", "json"]);
    expect(run).toEqual({ code: 0, stdout: JSON.stringify([{ id: "f-small", name: "small", vcpus: 1, ram_mb: 1024 }], null, 2) + "\n", stderr: "" });
  }, 20_000);
});
