// `hoard database ...`, `hoard user ...` and `hoard root ...` against the in-memory gateway: the
// request each command sends, what it prints, its usage errors, and that passwords stay unprinted
// except the one `root enable` returns.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runHoard } from "../../cli/hoard.js";
import { startFakeHoard, type FakeHoard } from "./fake-hoard.js";
import { runCli, type Run } from "./harness.js";

const token = "test-token-8c1d";
let fake: FakeHoard;
let home: string;

function hoard(...args: string[]): Promise<Run> {
  return runCli(runHoard, { url: fake.url, token, home }, args);
}

function requestsOf(method: string): unknown[] {
  return fake.calls.filter((c) => c.method === method).map((c) => c.request);
}

/** Runs a command that must succeed and returns its JSON output. */
async function json(...args: string[]): Promise<unknown> {
  const run = await hoard(...args, "-f", "json");
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as unknown;
}

beforeEach(async () => {
  fake = await startFakeHoard(token);
  home = await mkdtemp(join(tmpdir(), "hoard-cli-"));
  const created = await hoard("instance", "create", "db1", "--flavor", "small", "--size", "1", "--datastore", "postgresql", "--wait");
  expect(created.code).toBe(0);
  fake.calls.length = 0;
});

afterEach(async () => {
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

describe("database", () => {
  it("create sends the name, character set and collation and prints the database", async () => {
    const run = await hoard("database", "create", "db1", "orders", "--character-set", "utf8mb4", "--collation", "utf8mb4_bin");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(/\| name\s+\| orders\s+\|/);
    expect(run.stdout).toMatch(/\| collation\s+\| utf8mb4_bin\s+\|/);
    expect(requestsOf("CreateDatabase")).toMatchObject([
      { instanceId: "db1", database: { name: "orders", characterSet: "utf8mb4", collation: "utf8mb4_bin" } },
    ]);

    expect(await json("database", "create", "db1", "audit")).toEqual({
      name: "audit",
      character_set: "utf8mb4",
      collation: "utf8mb4_general_ci",
    });
    expect(requestsOf("CreateDatabase")[1]).toMatchObject({ database: { name: "audit", characterSet: "", collation: "" } });
  });

  it("list prints a table and JSON; delete drops one and says so", async () => {
    await hoard("database", "create", "db1", "orders");
    await hoard("database", "create", "db1", "audit");

    const table = await hoard("database", "list", "db1");
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[1]).toMatch(/^\| Name\s+\| Character Set \| Collation\s+\|$/);
    expect(lines.filter((l) => /\| (orders|audit) /.test(l))).toHaveLength(2);
    expect(requestsOf("ListDatabases")).toEqual([expect.objectContaining({ instanceId: "db1" })]);

    expect(await json("database", "delete", "db1", "audit")).toEqual({ instance: "db1", name: "audit", deleted: true });
    expect(requestsOf("DeleteDatabase")).toMatchObject([{ instanceId: "db1", name: "audit" }]);
    expect(await json("database", "list", "db1")).toEqual([
      { name: "orders", character_set: "utf8mb4", collation: "utf8mb4_general_ci" },
    ]);
  });

  it("API errors print one line and exit 1", async () => {
    expect(await hoard("database", "delete", "db1", "nope")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: not_found: database "nope" not found\n',
    });
    await hoard("instance", "create", "db2", "--flavor", "small", "--size", "1", "--datastore", "postgresql");
    expect(await hoard("database", "list", "db2")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: failed_precondition: instance "db2" is not ACTIVE\n',
    });
  });
});

describe("user", () => {
  const password = "pw-never-printed-7";

  beforeEach(async () => {
    await hoard("database", "create", "db1", "orders");
    await hoard("database", "create", "db1", "audit");
    fake.calls.length = 0;
  });

  it("create sends NAME@HOST split on the last '@', the password and --databases, and never prints the password", async () => {
    const run = await hoard("user", "create", "db1", "app@10.0.0.%", password, "--databases", "orders,audit");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\| host\s+\| 10\.0\.0\.%\s+\|/);
    expect(run.stdout).toMatch(/\| databases\s+\| orders, audit\s+\|/);
    expect(requestsOf("CreateUser")).toMatchObject([
      { instanceId: "db1", user: { name: "app", host: "10.0.0.%", password, databases: ["orders", "audit"] } },
    ]);

    const created = await json("user", "create", "db1", "ro", password, "--host", "%", "--databases", "orders");
    expect(created).toEqual({ name: "ro", host: "%", databases: ["orders"] });

    const outputs = [run, await hoard("user", "list", "db1"), await hoard("user", "list", "db1", "-f", "json")];
    outputs.push(await hoard("user", "show", "db1", "app@10.0.0.%", "-f", "json"));
    for (const out of outputs) expect(out.stdout + out.stderr).not.toContain(password);
  });

  it("create with no host sends an empty host; the engine's default applies", async () => {
    expect(await json("user", "create", "db1", "app", password)).toEqual({ name: "app", host: "%", databases: [] });
    expect(requestsOf("CreateUser")).toMatchObject([{ user: { name: "app", host: "", databases: [] } }]);
  });

  it.each([
    [["user", "create", "db1", "app@%", password, "--host", "10.0.0.1"], 'give the host as NAME@HOST or with --host, not both ("app@%" and --host "10.0.0.1")'],
    [["user", "show", "db1", "app@"], `user "app@" has no host after '@' (expected NAME or NAME@HOST)`],
    [["user", "delete", "db1", "@%"], `user "@%" has no name before '@' (expected NAME or NAME@HOST)`],
    [["user", "create", "db1", "app", password, "--databases", "orders,,audit"], "--databases has an empty database name"],
    [["user", "create", "db1", "app", ""], 'the password of user "app" is empty'],
    [["user", "update", "db1", "app"], "nothing to change: give at least one of --new-name, --new-password, --new-host"],
    [["user", "update", "db1", "app", "--new-password", ""], "--new-password must not be empty"],
    [["user", "grant", "db1", "app@%", "orders", "--host", "%"], 'give the host as NAME@HOST or with --host, not both ("app@%" and --host "%")'],
  ])("%j is a usage error: exit 2, one line, nothing sent", async (args, message) => {
    const run = await hoard(...args);
    expect(run).toEqual({ code: 2, stdout: "", stderr: `error: ${message}\n` });
    expect(run.stderr).not.toContain(password);
    expect(fake.calls).toHaveLength(0);
  });

  it("list prints name, host and databases", async () => {
    await hoard("user", "create", "db1", "app@%", password, "--databases", "orders,audit");
    await hoard("user", "create", "db1", "ro@10.0.0.%", password);
    const table = await hoard("user", "list", "db1");
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[1]).toMatch(/^\| Name \| Host\s+\| Databases\s+\|$/);
    expect(table.stdout).toMatch(/\| app\s+\| %\s+\| orders, audit \|/);
    expect(await json("user", "list", "db1")).toEqual([
      { name: "app", host: "%", databases: ["orders", "audit"] },
      { name: "ro", host: "10.0.0.%", databases: [] },
    ]);
  });

  it("show, access and delete send the name and host given either way", async () => {
    await hoard("user", "create", "db1", "app@10.0.0.%", password, "--databases", "orders");
    fake.calls.length = 0;

    expect(await json("user", "show", "db1", "app", "--host", "10.0.0.%")).toEqual({
      name: "app",
      host: "10.0.0.%",
      databases: ["orders"],
    });
    expect(await json("user", "access", "db1", "app@10.0.0.%")).toEqual([{ name: "orders" }]);
    const access = await hoard("user", "access", "db1", "app");
    expect(access.stdout).toMatch(/\| Name\s+\|\n\+-+\+\n\| orders \|/);
    expect(requestsOf("GetUser")).toMatchObject([{ instanceId: "db1", name: "app", host: "10.0.0.%" }]);
    expect(requestsOf("ListUserAccess")).toMatchObject([
      { instanceId: "db1", name: "app", host: "10.0.0.%" },
      { instanceId: "db1", name: "app", host: "" },
    ]);

    expect(await json("user", "delete", "db1", "app@10.0.0.%")).toEqual({
      instance: "db1",
      name: "app",
      host: "10.0.0.%",
      deleted: true,
    });
    expect(requestsOf("DeleteUser")).toMatchObject([{ instanceId: "db1", name: "app", host: "10.0.0.%" }]);
    expect(await hoard("user", "show", "db1", "app")).toEqual({ code: 1, stdout: "", stderr: 'error: not_found: user "app" not found\n' });
  });

  it("update sends the changes and prints the user without the new password", async () => {
    await hoard("user", "create", "db1", "app@%", password);
    const newPassword = "new-secret-pw-42";
    const run = await hoard("user", "update", "db1", "app@%", "--new-name", "app2", "--new-password", newPassword, "--new-host", "10.1.%");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\| name\s+\| app2\s+\|/);
    expect(run.stdout + run.stderr).not.toContain(newPassword);
    expect(requestsOf("UpdateUser")).toMatchObject([
      { instanceId: "db1", name: "app", host: "%", newName: "app2", newPassword, newHost: "10.1.%" },
    ]);

    expect(await json("user", "update", "db1", "app2", "--new-password", newPassword)).toEqual({ name: "app2", host: "10.1.%", databases: [] });
    expect(requestsOf("UpdateUser")[1]).toMatchObject({ name: "app2", host: "", newName: "", newHost: "" });
  });

  it("grant sends every database; revoke sends one; access shows the result", async () => {
    await hoard("user", "create", "db1", "app", password);
    expect(await json("user", "grant", "db1", "app@%", "orders", "audit")).toEqual({
      instance: "db1",
      name: "app",
      host: "%",
      granted: ["orders", "audit"],
    });
    expect(requestsOf("GrantAccess")).toMatchObject([{ instanceId: "db1", name: "app", host: "%", databases: ["orders", "audit"] }]);

    const revoked = await hoard("user", "revoke", "db1", "app", "orders", "--host", "%");
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/\| revoked\s+\| orders\s+\|/);
    expect(requestsOf("RevokeAccess")).toMatchObject([{ instanceId: "db1", name: "app", host: "%", database: "orders" }]);
    expect(await json("user", "access", "db1", "app")).toEqual([{ name: "audit" }]);

    expect(await hoard("user", "revoke", "db1", "app", "orders")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: not_found: user "app" has no access to database "orders"\n',
    });
  });

  it("grant needs at least one database", async () => {
    const run = await hoard("user", "grant", "db1", "app");
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("error: missing required argument 'databases'\n");
    expect(fake.calls).toHaveLength(0);
  });
});

describe("root", () => {
  it("enable prints the name and the password once, saying it will not be shown again", async () => {
    const run = await hoard("root", "enable", "db1");
    expect(run.code).toBe(0);
    const password = fake.guests.values().next().value?.rootPassword ?? "";
    expect(password).not.toBe("");
    expect(run.stdout).toMatch(/\| name\s+\| root\s+\|/);
    expect(run.stdout.split(password)).toHaveLength(2);
    expect(run.stderr).toBe("the root password is shown only this once: store it now\n");
    expect(requestsOf("EnableRoot")).toMatchObject([{ instanceId: "db1" }]);
  });

  it("enable -f json prints {name, password}; show and disable report the state", async () => {
    expect(await json("root", "show", "db1")).toEqual({ enabled: false });

    const run = await hoard("root", "enable", "db1", "-f", "json");
    expect(run.code).toBe(0);
    const password = fake.guests.values().next().value?.rootPassword;
    expect(JSON.parse(run.stdout)).toEqual({ name: "root", password });
    expect(await json("root", "show", "db1")).toEqual({ enabled: true });

    const disabled = await hoard("root", "disable", "db1");
    expect(disabled).toMatchObject({ code: 0, stderr: "" });
    expect(disabled.stdout).toMatch(/\| enabled\s+\| false\s+\|/);
    expect(requestsOf("DisableRoot")).toMatchObject([{ instanceId: "db1" }]);
    const shown = await hoard("root", "show", "db1");
    expect(shown.stdout).toMatch(/\| enabled\s+\| false\s+\|/);
    expect(shown.stdout + shown.stderr).not.toContain(password);
  });

  it("an unknown instance is one line, exit 1", async () => {
    expect(await hoard("root", "enable", "db9")).toEqual({ code: 1, stdout: "", stderr: 'error: not_found: instance "db9" not found\n' });
  });
});
