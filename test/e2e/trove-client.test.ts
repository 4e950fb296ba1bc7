// Debian's real `openstack database ...` (python3-openstackclient + python3-troveclient) against
// Hoard's Trove API. One PostgreSQL instance's life (create with a database and a user, list/show
// until ACTIVE, psql as that user, databases, users and grants, root, volume and flavor resize,
// restart, a backup, a configuration group attached, delete) runs twice at once on one stack, each
// in its own project: logged in with a password through the Keystone endpoint (the client finds the
// database endpoint in the catalog), and with admin_token auth. Also what a Trove user sees refused:
// a random or expired token, another project's path, a reader's create, a create over quota; and
// the operator's quota and limit commands.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, psql, waitUntil, type Stack } from "./harness.js";
import { expireToken } from "./token-helpers.js";
import { adminProjectId, createTroveProject, type TroveProject } from "./trove-helpers.js";

const run = promisify(execFile);
let stack: Stack;
let acme: TroveProject;
let keyco: TroveProject;
const pw = "S3cret-pw";
const alicePassword = "alice-Passw0rd!";

beforeAll(async () => {
  stack = await createStack();
  acme = await createTroveProject(stack, "acme");
  keyco = await createTroveProject(stack, "keyco");
  const alice = await stack.manage(["user", "create", "alice", "--project", "keyco", "--role", "member", "--password-stdin"], alicePassword);
  expect(alice.code, alice.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await stack?.cleanup();
});

/** How the client authenticates: its options and OS_* variables. */
interface ClientAuth {
  args: string[];
  env: Record<string, string>;
}

/** `--os-auth-type admin_token`: a Hoard token and the project's Trove endpoint, no Keystone. */
function tokenAuth(token: string, project: string): ClientAuth {
  return { args: ["--os-auth-type", "admin_token", "--os-endpoint", `${stack.url}/v1.0/${project}`, "--os-token", token], env: {} };
}

/** A password login through Hoard's Keystone v3 endpoint, as an OpenStack user's openrc sets it. */
function passwordAuth(user: string, password: string, project: string): ClientAuth {
  const env = {
    OS_AUTH_URL: `${stack.url}/v3`,
    OS_USERNAME: user,
    OS_PASSWORD: password,
    OS_PROJECT_NAME: project,
    OS_USER_DOMAIN_NAME: "Default",
    OS_PROJECT_DOMAIN_NAME: "Default",
    OS_IDENTITY_API_VERSION: "3",
  };
  return { args: [], env };
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real client for one way of authenticating (no OS_* from the test's environment). */
function troveClient(auth: ClientAuth) {
  async function openstack(args: string[]): Promise<Result> {
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OS_"))), ...auth.env };
    try {
      const { stdout, stderr } = await run("/usr/bin/python3", ["/usr/bin/openstack", ...auth.args, ...args], { env, timeout: 120_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
  }

  /** `openstack ARGS -f json`, which must succeed. */
  async function json<T = Record<string, unknown>>(args: string[]): Promise<T> {
    const res = await openstack([...args, "-f", "json"]);
    expect(res.code, `openstack ${args.join(" ")}: ${res.stderr}`).toBe(0);
    return JSON.parse(res.stdout) as T;
  }

  /** `openstack ARGS` (no output expected), which must succeed. */
  async function ok(args: string[]): Promise<void> {
    const res = await openstack(args);
    expect(res.code, `openstack ${args.join(" ")}: ${res.stderr}`).toBe(0);
  }

  /** Polls `database instance show` until the status is one of `wanted`; ERROR ends the wait. */
  async function waitStatus(name: string, wanted: string[], timeoutMs = 180_000): Promise<Record<string, unknown>> {
    return waitUntil(async () => {
      const shown = await json(["database", "instance", "show", name]);
      if (shown.status === "ERROR") throw new Error(`${name} went to ERROR: ${String(shown.fault)}`);
      return wanted.includes(String(shown.status)) ? shown : undefined;
    }, `${name} ${wanted.join("|")}`, timeoutMs, 1000);
  }

  return { openstack, json, ok, waitStatus };
}

type TroveClient = ReturnType<typeof troveClient>;

/** The last line psql printed: the answer of the last statement. */
async function lastLine(answer: Promise<{ stdout: string }>): Promise<string | undefined> {
  return (await answer).stdout.split("\n").at(-1);
}

/** One PostgreSQL instance's whole life through the client, in a project that has nothing yet. */
async function instanceLife({ openstack, json, ok, waitStatus }: TroveClient, project: string): Promise<void> {
  const created = await json(["database", "instance", "create", "db1", "--flavor", "1", "--size", "1", "--datastore", "postgresql", "--datastore-version", "15", "--databases", "appdb", "--users", `app:${pw}`]);
  expect(created).toMatchObject({ name: "db1", status: "BUILD", flavor: "1", datastore: "postgresql", datastore_version: "15", volume: 1 });
  const active = await waitStatus("db1", ["ACTIVE"]);
  expect(active).toMatchObject({ datastore: "postgresql", datastore_version: "15", datastore_version_number: "15", operating_status: "HEALTHY" });
  const host = String(active.ip);
  const listed = await json<Record<string, unknown>[]>(["database", "instance", "list"]);
  expect(listed).toEqual([
    {
      ID: created.id,
      Name: "db1",
      Datastore: "postgresql",
      "Datastore Version": "15",
      Status: "ACTIVE",
      "Operating Status": "HEALTHY",
      Public: false,
      Addresses: [{ address: host, type: "private" }],
      "Flavor ID": "1",
      Size: 1,
      Role: "",
    },
  ]);
  expect(await lastLine(psql(host, 5432, "app", pw, "appdb", "create table t (v int); insert into t values (42); select v from t"))).toBe("42");

  await ok(["database", "db", "create", "db1", "shop"]);
  expect((await json<{ Name: string }[]>(["database", "db", "list", "db1"])).map((d) => d.Name).sort()).toEqual(["appdb", "shop"]);
  await ok(["database", "db", "delete", "db1", "shop"]);
  expect((await json<{ Name: string }[]>(["database", "db", "list", "db1"])).map((d) => d.Name)).toEqual(["appdb"]);

  await ok(["database", "db", "create", "db1", "reports"]);
  await ok(["database", "user", "create", "db1", "bob", "B0b-secret-pw"]);
  await ok(["database", "user", "grant", "access", "db1", "bob", "reports"]);
  expect((await json<{ Name: string }[]>(["database", "user", "show", "access", "db1", "bob"])).map((d) => d.Name)).toEqual(["reports"]);
  expect(await lastLine(psql(host, 5432, "bob", "B0b-secret-pw", "reports", "create table r (v int); select 1"))).toBe("1");
  const users = await json<{ Name: string; Host: string; Databases: string }[]>(["database", "user", "list", "db1"]);
  expect(users.map((u) => [u.Name, u.Databases]).sort()).toEqual([["app", "appdb"], ["bob", "reports"]]);
  expect(await json(["database", "user", "show", "db1", "bob"])).toEqual({ name: "bob", host: "%", databases: [{ name: "reports" }] });
  await ok(["database", "user", "revoke", "access", "db1", "bob", "reports"]);
  expect(await json<unknown[]>(["database", "user", "show", "access", "db1", "bob"])).toEqual([]);
  await ok(["database", "user", "delete", "db1", "bob"]);
  expect((await json<{ Name: string }[]>(["database", "user", "list", "db1"])).map((u) => u.Name)).toEqual(["app"]);

  expect(await json(["database", "root", "show", "db1"])).toMatchObject({ is_root_enabled: false });
  const root = await json<{ name: string; password: string }>(["database", "root", "enable", "db1"]);
  expect(root.password.length).toBeGreaterThan(8);
  expect((await psql(host, 5432, root.name, root.password, "postgres", "select 1")).stdout).toBe("1");
  expect(await json(["database", "root", "show", "db1"])).toMatchObject({ is_root_enabled: true });

  await ok(["database", "instance", "resize", "volume", "db1", "2"]);
  expect((await waitStatus("db1", ["ACTIVE"])).volume).toBe(2);
  await ok(["database", "instance", "resize", "flavor", "db1", "2"]);
  expect((await waitStatus("db1", ["ACTIVE"])).flavor).toBe("2");
  await ok(["database", "instance", "restart", "db1"]);
  await waitStatus("db1", ["ACTIVE"]);
  expect((await psql(host, 5432, "app", pw, "appdb", "select v from t")).stdout).toBe("42");

  const backup = await json(["database", "backup", "create", "bk1", "--instance", "db1"]);
  expect(backup).toMatchObject({ name: "bk1", status: "NEW", instance_id: created.id });
  await waitUntil(async () => ((await json(["database", "backup", "show", "bk1"])).status === "COMPLETED" ? true : undefined), "bk1 COMPLETED", 180_000, 1000);
  const backups = await json<{ ID: string; "Instance ID": string; Name: string; Status: string; "Project ID": string }[]>(["database", "backup", "list"]);
  expect(backups.map((b) => [b.Name, b.Status, b["Instance ID"], b["Project ID"]])).toEqual([["bk1", "COMPLETED", created.id, project]]);
  expect((await json<{ Name: string }[]>(["database", "backup", "list", "--instance", "db1"])).map((b) => b.Name)).toEqual(["bk1"]);
  expect((await json<{ Name: string }[]>(["database", "backup", "list", "instance", "db1"])).map((b) => b.Name)).toEqual(["bk1"]);
  await waitStatus("db1", ["ACTIVE"]);

  const parameters = await json<{ Name: string; Type: string }[]>(["database", "configuration", "parameter", "list", "15", "--datastore", "postgresql"]);
  expect(parameters.find((p) => p.Name === "work_mem")).toMatchObject({ Type: "integer" });
  const config = await json(["database", "configuration", "create", "tuned", '{"work_mem": 8192}', "--datastore", "postgresql", "--datastore-version", "15"]);
  expect(config).toMatchObject({ name: "tuned", datastore_name: "postgresql" });
  const groups = await json<Record<string, unknown>[]>(["database", "configuration", "list"]);
  expect(groups).toEqual([{ ID: config.id, Name: "tuned", Description: "", "Datastore Name": "postgresql", "Datastore Version Name": "15", "Datastore Version Number": "15" }]);
  await ok(["database", "configuration", "attach", "db1", "tuned"]);
  const attached = await waitStatus("db1", ["ACTIVE", "RESTART_REQUIRED"]);
  expect(attached.configuration).toBe(config.id);
  expect((await psql(host, 5432, "app", pw, "appdb", "show work_mem")).stdout).toBe("8MB");
  expect((await json<{ Name: string }[]>(["database", "configuration", "instances", "tuned"])).map((i) => i.Name)).toEqual(["db1"]);
  await ok(["database", "configuration", "detach", "db1"]);
  expect((await waitStatus("db1", ["ACTIVE", "RESTART_REQUIRED"])).configuration).toBeUndefined();

  await ok(["database", "instance", "delete", "db1"]);
  await waitUntil(async () => ((await openstack(["database", "instance", "show", "db1"])).code !== 0 ? true : undefined), "db1 gone", 120_000, 1000);
  expect(await json<unknown[]>(["database", "instance", "list"])).toEqual([]);
}

describe("openstack database ... refusals", () => {
  it("refuses a random token, another project's path and a reader's create, with the client's messages", async () => {
    const random = await troveClient(tokenAuth("random-token", acme.id)).openstack(["database", "instance", "list"]);
    expect(random.code).not.toBe(0);
    expect(random.stderr).toMatch(/HTTP 401|Unauthorized/i);
    const cross = await troveClient(tokenAuth(keyco.member, acme.id)).openstack(["database", "instance", "list"]);
    expect(cross.code).not.toBe(0);
    expect(cross.stderr).toMatch(/HTTP 403|Forbidden/i);
    const reader = await troveClient(tokenAuth(acme.reader, acme.id)).openstack(["database", "instance", "create", "r1", "--flavor", "1", "--size", "1", "--datastore", "postgresql", "--datastore-version", "15"]);
    expect(reader.code).not.toBe(0);
    expect(reader.stderr).toMatch(/HTTP 403|Forbidden/i);
    expect(reader.stderr).toContain("member");
    expect(await troveClient(tokenAuth(acme.member, acme.id)).json<unknown[]>(["database", "instance", "list"])).toEqual([]);
  });

  it("refuses a token from the Keystone login once it has expired (401)", async () => {
    const issued = await troveClient(passwordAuth("alice", alicePassword, "keyco")).json<{ id: string }>(["token", "issue"]);
    const client = troveClient(tokenAuth(issued.id, keyco.id));
    expect(await client.json<unknown[]>(["database", "instance", "list"])).toEqual([]);
    await expireToken(stack, issued.id);
    const expired = await client.openstack(["database", "instance", "list"]);
    expect(expired.code).not.toBe(0);
    expect(expired.stderr).toMatch(/HTTP 401/);
  });

  it("shows limits and quotas, and a create over quota shows the client's over-limit message and creates nothing", async () => {
    const tight = await createTroveProject(stack, "tight");
    const operator = troveClient(tokenAuth(stack.token, await adminProjectId(stack)));
    const updated = await operator.json(["database", "quota", "update", tight.id, "instances", "1"]);
    expect(updated).toEqual({ instances: 1 });
    const quotas = await operator.json<{ Resource: string; "In Use": number; Reserved: number; Limit: number }[]>(["database", "quota", "show", tight.id]);
    expect(quotas.find((q) => q.Resource === "instances")).toEqual({ Resource: "instances", "In Use": 0, Reserved: 0, Limit: 1 });
    // A member may not set its own.
    const member = troveClient(tokenAuth(tight.member, tight.id));
    expect((await member.openstack(["database", "quota", "update", tight.id, "instances", "9"])).stderr).toMatch(/HTTP 403/);

    const first = await member.json(["database", "instance", "create", "r1", "--flavor", "1", "--size", "1", "--datastore", "redis", "--datastore-version", "7"]);
    expect(first).toMatchObject({ name: "r1", status: "BUILD" });
    const over = await member.openstack(["database", "instance", "create", "r2", "--flavor", "1", "--size", "1", "--datastore", "redis", "--datastore-version", "7"]);
    expect(over.code).not.toBe(0);
    expect(over.stderr).toContain("quota exceeded for instances: 1 in use + 1 requested > limit 1 (HTTP 413)");
    expect((await member.json<{ Name: string }[]>(["database", "instance", "list"])).map((i) => i.Name)).toEqual(["r1"]);

    const versions = await member.json<{ ID: string; Name: string; Version: string }[]>(["datastore", "version", "list", "postgresql"]);
    expect(versions.map((v) => [v.Name, v.Version])).toEqual([["15", "15"]]);

    const limits = await member.openstack(["database", "limit", "list", "-f", "json"]);
    expect(limits.code, limits.stderr).toBe(0);
    // The client prints the absolute limits as a table, then the rate limits as JSON.
    expect(limits.stdout).toMatch(/\| max_instances\s+\| 1\s+\|/);
    expect(limits.stdout).toMatch(/\| total_instances_used\s+\| 1\s+\|/);
    const rates = JSON.parse(limits.stdout.slice(limits.stdout.indexOf("["))) as { Value: number; Verb: string; Unit: string }[];
    expect(rates).toEqual([expect.objectContaining({ Value: 100, Verb: "*", Unit: "SECOND" })]);
    await member.ok(["database", "instance", "delete", "r1"]);
  });
});

describe("an instance's life through the client", () => {
  // Both at once on one stack, each in its own project (their lists must show only their own).
  it.concurrent("with a password login through Keystone", () => instanceLife(troveClient(passwordAuth("alice", alicePassword, "keyco")), keyco.id), 900_000);
  it.concurrent("with --os-auth-type admin_token", () => instanceLife(troveClient(tokenAuth(acme.member, acme.id)), acme.id), 900_000);
});
