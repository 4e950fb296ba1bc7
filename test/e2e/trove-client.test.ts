// Debian's real `openstack database ...` (python3-openstackclient + python3-troveclient) against
// Hoard's Trove API with admin_token auth, on ONE PostgreSQL instance: create with a database and
// a user, list/show until ACTIVE, psql as that user, databases, users and grants, root, volume and
// flavor resize, restart, a backup, a configuration group attached, delete. Also the refusals a
// Trove user sees: a random token, another project's path, a reader's create.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, psql, waitUntil, type Stack } from "./harness.js";
import { createTroveProject, type TroveProject } from "./trove-helpers.js";

const run = promisify(execFile);
let stack: Stack;
let acme: TroveProject;
const pw = "S3cret-pw";

beforeAll(async () => {
  stack = await createStack();
  acme = await createTroveProject(stack, "acme");
});

afterAll(async () => {
  await stack?.cleanup();
});

/** `openstack ARGS` as a Trove user runs it, with only the admin_token options (no OS_* from the environment). */
async function openstack(args: string[], token = acme.member, project = acme.id): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OS_")));
  const auth = ["--os-auth-type", "admin_token", "--os-endpoint", `${stack.url}/v1.0/${project}`, "--os-token", token];
  try {
    const { stdout, stderr } = await run("/usr/bin/python3", ["/usr/bin/openstack", ...auth, ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** The last line psql printed: the answer of the last statement. */
async function lastLine(answer: Promise<{ stdout: string }>): Promise<string | undefined> {
  return (await answer).stdout.split("\n").at(-1);
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
async function waitStatus(name: string, wanted: string[], timeoutMs = 120_000): Promise<Record<string, unknown>> {
  return waitUntil(async () => {
    const shown = await json(["database", "instance", "show", name]);
    if (shown.status === "ERROR") throw new Error(`${name} went to ERROR: ${String(shown.fault)}`);
    return wanted.includes(String(shown.status)) ? shown : undefined;
  }, `${name} ${wanted.join("|")}`, timeoutMs, 500);
}

describe("openstack database ... against Hoard", () => {
  it("refuses a random token, another project's path and a reader's create, with the client's messages", async () => {
    const random = await openstack(["database", "instance", "list"], "random-token");
    expect(random.code).not.toBe(0);
    expect(random.stderr).toMatch(/HTTP 401|Unauthorized/i);
    const admin = await createTroveProject(stack, "other");
    const cross = await openstack(["database", "instance", "list"], admin.member, acme.id);
    expect(cross.code).not.toBe(0);
    expect(cross.stderr).toMatch(/HTTP 403|Forbidden/i);
    const reader = await openstack(["database", "instance", "create", "r1", "--flavor", "1", "--size", "1", "--datastore", "postgresql", "--datastore-version", "15"], acme.reader);
    expect(reader.code).not.toBe(0);
    expect(reader.stderr).toMatch(/HTTP 403|Forbidden/i);
    expect(reader.stderr).toContain("member");
    expect(await json<unknown[]>(["database", "instance", "list"])).toEqual([]);
  });

  it("runs a PostgreSQL instance's life through the Trove client", async () => {
    const created = await json(["database", "instance", "create", "db1", "--flavor", "1", "--size", "1", "--datastore", "postgresql", "--datastore-version", "15", "--databases", "appdb", "--users", `app:${pw}`]);
    expect(created).toMatchObject({ name: "db1", status: "BUILD", flavor: "1", datastore: "postgresql", datastore_version: "15", volume: 1 });
    const active = await waitStatus("db1", ["ACTIVE"]);
    const host = String(active.ip);
    const listed = await json<{ ID: string; Name: string; Status: string; "Flavor ID": string; Size: number }[]>(["database", "instance", "list"]);
    expect(listed.map((i) => [i.Name, i.Status, i["Flavor ID"], i.Size])).toEqual([["db1", "ACTIVE", "1", 1]]);
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
    const users = await json<{ Name: string; Databases: string }[]>(["database", "user", "list", "db1"]);
    expect(users.map((u) => u.Name).sort()).toEqual(["app", "bob"]);
    expect(await json(["database", "user", "show", "db1", "bob"])).toMatchObject({ name: "bob" });
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
    expect(backup).toMatchObject({ name: "bk1", status: "NEW" });
    await waitUntil(async () => ((await json(["database", "backup", "show", "bk1"])).status === "COMPLETED" ? true : undefined), "bk1 COMPLETED", 120_000, 500);
    const backups = await json<{ Name: string; Status: string }[]>(["database", "backup", "list"]);
    expect(backups.map((b) => [b.Name, b.Status])).toEqual([["bk1", "COMPLETED"]]);
    await waitStatus("db1", ["ACTIVE"]);

    const config = await json(["database", "configuration", "create", "tuned", '{"work_mem": 8192}', "--datastore", "postgresql", "--datastore-version", "15"]);
    expect(config).toMatchObject({ name: "tuned", datastore_name: "postgresql" });
    await ok(["database", "configuration", "attach", "db1", "tuned"]);
    const attached = await waitStatus("db1", ["ACTIVE", "RESTART_REQUIRED"]);
    expect(attached.configuration).toBe(config.id);
    expect((await psql(host, 5432, "app", pw, "appdb", "show work_mem")).stdout).toBe("8MB");
    expect((await json<{ Name: string }[]>(["database", "configuration", "instances", "tuned"])).map((i) => i.Name)).toEqual(["db1"]);
    await ok(["database", "configuration", "detach", "db1"]);
    expect((await waitStatus("db1", ["ACTIVE", "RESTART_REQUIRED"])).configuration).toBeUndefined();

    await ok(["database", "instance", "delete", "db1"]);
    await waitUntil(async () => ((await openstack(["database", "instance", "show", "db1"])).code !== 0 ? true : undefined), "db1 gone", 60_000, 500);
    expect(await json<unknown[]>(["database", "instance", "list"])).toEqual([]);
    // Each `openstack` run starts Python (1-3 s on a busy machine) and this makes about fifty.
  }, 600_000);
});
