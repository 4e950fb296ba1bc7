// Databases, users, access and root through the public API, checked with the engines' own clients:
// what the API says happened is what a real client sees.
import { Code, ConnectError } from "@connectrpc/connect";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatabaseService } from "../../gen/proto/hoard/v1/database_pb.js";
import { InstanceStatus, type Instance } from "../../gen/proto/hoard/v1/instance_pb.js";
import { RootService } from "../../gen/proto/hoard/v1/root_pb.js";
import { UserService } from "../../gen/proto/hoard/v1/user_pb.js";
import { createDb } from "../../services/platform/db/index.js";
import { hashToken, newToken } from "../../services/platform/tokens.js";
import { connectClient, curl, serviceClient } from "./clients.js";
import { mariadb, redisCli, type ClientResult } from "./engine-clients.js";
import { createStack, psql, waitUntil, type Stack } from "./harness.js";

let stack: Stack;
let otherToken: string;

beforeAll(async () => {
  stack = await createStack();
  const db = createDb(`file:${path.join(stack.home, "hoard.db")}`);
  const project = await db.project.create({ data: { name: "other" } });
  otherToken = newToken();
  await db.apiToken.create({ data: { projectId: project.id, name: "other", tokenHash: hashToken(otherToken), roles: "member" } });
  await db.$disconnect();
});

afterAll(async () => {
  await stack?.cleanup();
});

const pw = "S3cret-pw";

async function createActive(name: string, datastore: string): Promise<Instance> {
  const client = connectClient(stack.url, stack.token);
  await client.createInstance({ name, flavor: "tiny", volumeSizeGb: 1, datastore });
  return waitUntil(async () => {
    const { instance } = await client.getInstance({ id: name });
    if (instance?.status === InstanceStatus.ERROR) throw new Error(`${name}: ${instance.fault?.message}`);
    return instance?.status === InstanceStatus.ACTIVE ? instance : undefined;
  }, `${name} ACTIVE`, 120_000, 200);
}

function codeOf(call: Promise<unknown>): Promise<ConnectError | undefined> {
  return call.then(() => undefined, (e: unknown) => ConnectError.from(e));
}

type Query = (i: Instance, user: string, password: string, database: string, sql: string) => Promise<ClientResult>;

const sqlEngines: { datastore: string; query: Query; denied: RegExp; rootCan: string }[] = [
  {
    datastore: "postgresql",
    query: (i, user, password, database, sql) => psql(i.host, i.port, user, password, database, sql),
    denied: /permission denied for database/,
    rootCan: "create database made_by_root",
  },
  {
    datastore: "mariadb",
    query: (i, user, password, database, sql) => mariadb(i.host, i.port, user, password, database, sql),
    denied: /Access denied for user/,
    rootCan: "create database made_by_root",
  },
];

describe.each(sqlEngines)("$datastore databases, users, access and root", ({ datastore, query, denied, rootCan }) => {
  let instance: Instance;
  const databases = () => serviceClient(DatabaseService, stack.url, stack.token);
  const users = () => serviceClient(UserService, stack.url, stack.token);

  beforeAll(async () => {
    instance = await createActive(`adm-${datastore}`, datastore);
  });

  it("a database and a user made through the API work for a real client; revoke, grant and delete take effect", async () => {
    await databases().createDatabase({ instanceId: instance.name, database: { name: "shop" } });
    expect((await databases().listDatabases({ instanceId: instance.name })).databases.map((d) => d.name)).toContain("shop");
    await users().createUser({ instanceId: instance.name, user: { name: "alice", password: pw, databases: ["shop"] } });
    expect(await query(instance, "alice", pw, "shop", "select 1")).toMatchObject({ code: 0, stdout: "1" });

    await users().revokeAccess({ instanceId: instance.name, name: "alice", database: "shop" });
    const refused = await query(instance, "alice", pw, "shop", "select 1");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(denied);
    expect((await users().listUserAccess({ instanceId: instance.name, name: "alice" })).databases).not.toContain("shop");

    await users().grantAccess({ instanceId: instance.name, name: "alice", databases: ["shop"] });
    expect(await query(instance, "alice", pw, "shop", "select 1")).toMatchObject({ code: 0, stdout: "1" });

    await users().updateUser({ instanceId: instance.name, name: "alice", newPassword: "N3w-secret-pw" });
    expect((await query(instance, "alice", pw, "shop", "select 1")).code).not.toBe(0);
    expect(await query(instance, "alice", "N3w-secret-pw", "shop", "select 1")).toMatchObject({ code: 0 });

    await users().deleteUser({ instanceId: instance.name, name: "alice" });
    expect((await query(instance, "alice", "N3w-secret-pw", "shop", "select 1")).code).not.toBe(0);
    await databases().deleteDatabase({ instanceId: instance.name, name: "shop" });
    expect((await databases().listDatabases({ instanceId: instance.name })).databases.map((d) => d.name)).not.toContain("shop");
  });

  it("root enable returns a password, once, that can create databases; disable removes it", async () => {
    const root = serviceClient(RootService, stack.url, stack.token);
    expect((await root.getRootStatus({ instanceId: instance.name })).enabled).toBe(false);
    const { name, password } = await root.enableRoot({ instanceId: instance.name });
    expect(password.length).toBeGreaterThanOrEqual(16);
    const db = datastore === "postgresql" ? "postgres" : "";
    expect(await query(instance, name, password, db, rootCan)).toMatchObject({ code: 0 });
    expect((await root.getRootStatus({ instanceId: instance.name })).enabled).toBe(true);
    await root.disableRoot({ instanceId: instance.name });
    expect((await query(instance, name, password, db, "select 1")).code).not.toBe(0);
    expect((await root.getRootStatus({ instanceId: instance.name })).enabled).toBe(false);
  });

  it("bad input answers the right code naming what is wrong, and changes nothing", async () => {
    await users().createUser({ instanceId: instance.name, user: { name: "bob", password: pw } });
    const before = (await users().listUsers({ instanceId: instance.name })).users.map((u) => u.name).sort();
    const reserved = datastore === "postgresql" ? "postgres" : "mysql";
    const cases: [() => Promise<unknown>, Code, string][] = [
      [() => databases().createDatabase({ instanceId: instance.name, database: { name: reserved } }), Code.InvalidArgument, reserved],
      [() => databases().createDatabase({ instanceId: instance.name, database: { name: "bad name" } }), Code.InvalidArgument, "database.name"],
      [() => users().createUser({ instanceId: instance.name, user: { name: "root", password: pw } }), Code.InvalidArgument, "root"],
      [() => users().createUser({ instanceId: instance.name, user: { name: "bob", password: pw } }), Code.AlreadyExists, "bob"],
      [() => users().grantAccess({ instanceId: instance.name, name: "bob", databases: ["nope"] }), Code.NotFound, "nope"],
      [() => users().deleteUser({ instanceId: instance.name, name: "ghost" }), Code.NotFound, "ghost"],
    ];
    for (const [call, code, names] of cases) {
      const err = await codeOf(call());
      expect(err?.code, err?.rawMessage).toBe(code);
      expect(err?.rawMessage).toContain(names);
    }
    expect((await users().listUsers({ instanceId: instance.name })).users.map((u) => u.name).sort()).toEqual(before);
    expect((await databases().listDatabases({ instanceId: instance.name })).databases.map((d) => d.name)).not.toContain(reserved);
  });

  it("another project cannot list or change this instance's databases or users", async () => {
    const theirs = { db: serviceClient(DatabaseService, stack.url, otherToken), users: serviceClient(UserService, stack.url, otherToken) };
    for (const call of [
      () => theirs.db.listDatabases({ instanceId: instance.name }),
      () => theirs.db.createDatabase({ instanceId: instance.id, database: { name: "x" } }),
      () => theirs.users.listUsers({ instanceId: instance.id }),
      () => theirs.users.deleteUser({ instanceId: instance.name, name: "bob" }),
      () => serviceClient(RootService, stack.url, otherToken).enableRoot({ instanceId: instance.name }),
    ]) {
      expect((await codeOf(call()))?.code).toBe(Code.NotFound);
    }
    const rest = await curl("GET", `${stack.url}/v1/instances/${instance.id}/users`, otherToken);
    expect(rest.status).toBe(404);
  });
});

describe("redis users", () => {
  let instance: Instance;
  const users = () => serviceClient(UserService, stack.url, stack.token);

  beforeAll(async () => {
    instance = await createActive("adm-redis", "redis");
  });

  it("an ACL user created through the API can AUTH and SET; after delete it cannot", async () => {
    await users().createUser({ instanceId: instance.name, user: { name: "cache", password: pw } });
    expect((await redisCli(instance.host, instance.port, "cache", pw, "SET", "k", "v")).stdout).toBe("OK");
    expect((await users().listUsers({ instanceId: instance.name })).users.map((u) => u.name)).toContain("cache");
    await users().deleteUser({ instanceId: instance.name, name: "cache" });
    expect((await redisCli(instance.host, instance.port, "cache", pw, "SET", "k", "v")).stdout).not.toBe("OK");
  });

  it("grants and databases answer FAILED_PRECONDITION naming redis", async () => {
    for (const call of [
      () => users().grantAccess({ instanceId: instance.name, name: "cache", databases: ["x"] }),
      () => users().revokeAccess({ instanceId: instance.name, name: "cache", database: "x" }),
      () => serviceClient(DatabaseService, stack.url, stack.token).createDatabase({ instanceId: instance.name, database: { name: "x" } }),
    ]) {
      const err = await codeOf(call());
      expect(err?.code).toBe(Code.FailedPrecondition);
      expect(err?.rawMessage).toContain("redis");
    }
  });

  it("an unreachable agent answers UNAVAILABLE naming the instance, without hanging", async () => {
    const pidFile = path.join(stack.home, "instances", instance.id, "run", "agent.pid");
    const { readFileSync } = await import("node:fs");
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    process.kill(pid, "SIGKILL");
    // Until NATS notices the dropped connection a request still routes to it and waits out its
    // deadline (also UNAVAILABLE, 30 s later); give the server a moment so the test stays quick.
    await waitUntil(async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    }, "the agent to exit", 10_000, 20);
    await new Promise((r) => setTimeout(r, 500));
    const err = await codeOf(users().listUsers({ instanceId: instance.name }));
    expect(err?.code).toBe(Code.Unavailable);
    expect(err?.rawMessage).toContain(instance.id);
  });
});
