// The foundation's promise, end to end on real processes: create a PostgreSQL instance with the
// CLI, connect with psql, drive the same API over gRPC, Connect and REST, delete and leave nothing.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GetInstanceRequestSchema,
  GetInstanceResponseSchema,
  InstanceStatus,
  ListInstancesRequestSchema,
  ListInstancesResponseSchema,
} from "../../gen/proto/hoard/v1/instance_pb.js";
import { connectClient, curl, grpcCall } from "./clients.js";
import { createStack, logsContaining, processesMentioning, psql, waitUntil, type Stack } from "./harness.js";

let stack: Stack;

beforeAll(async () => {
  stack = await createStack();
});

afterAll(async () => {
  await stack?.cleanup();
});

async function show(name: string) {
  const r = await stack.hoard(["instance", "show", name, "-f", "json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown> & { id: string; host: string; port: number; status: string };
}

function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 }, () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}

async function expectGone(id: string, host: string, port: number) {
  expect(processesMentioning(id)).toEqual([]);
  expect(await portAnswers(host, port)).toBe(false);
  expect(fs.existsSync(path.join(stack.home, "instances", id))).toBe(false);
}

describe("a PostgreSQL instance through the CLI", () => {
  it("reaches ACTIVE, serves psql with the created user, and is deleted without a trace", async () => {
    const created = await stack.hoard([
      "instance", "create", "db1", "--flavor", "small", "--size", "1", "--datastore", "postgresql",
      "--datastore-version", "15", "--databases", "appdb", "--users", "app:S3cret-pw", "--wait",
    ]);
    expect(created.code, created.stderr).toBe(0);

    const db1 = await show("db1");
    expect(db1).toMatchObject({ name: "db1", status: "ACTIVE", operating_status: "HEALTHY", datastore: "postgresql", datastore_version: "15", flavor: "small", volume_size: 1 });
    expect(db1.host).toMatch(/^127\./);
    expect(db1.port).toBe(5432);
    expect(db1.created).toBeTruthy();

    const ok = await psql(db1.host, db1.port, "app", "S3cret-pw", "appdb", "select 1");
    expect(ok, ok.stderr).toMatchObject({ code: 0, stdout: "1" });
    const wrong = await psql(db1.host, db1.port, "app", "not-the-password", "appdb", "select 1");
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain("password authentication failed");

    const list = await stack.hoard(["instance", "list", "-f", "json"]);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((i) => i.name)).toContain("db1");

    const deleted = await stack.hoard(["instance", "delete", "db1", "--wait"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    await expectGone(db1.id, db1.host, db1.port);
    expect((await stack.hoard(["instance", "show", "db1"])).code).not.toBe(0);
  });
});

describe("the same API over every protocol", () => {
  it("gRPC (@grpc/grpc-js): create through Connect, then get and list", async () => {
    const client = connectClient(stack.url, stack.token);
    const { instance } = await client.createInstance({ name: "grpc1", flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql" });
    expect(instance?.status).toBe(InstanceStatus.BUILD);
    const address = stack.url.replace("http://", "");
    const got = await waitUntil(async () => {
      const r = await grpcCall(address, stack.token, "/hoard.v1.InstanceService/GetInstance", GetInstanceRequestSchema, GetInstanceResponseSchema, { id: "grpc1" });
      return r.instance?.status === InstanceStatus.ACTIVE ? r.instance : undefined;
    }, "grpc1 ACTIVE", 120_000, 300);
    expect(got.datastoreVersion).toBe("15");
    const listed = await grpcCall(address, stack.token, "/hoard.v1.InstanceService/ListInstances", ListInstancesRequestSchema, ListInstancesResponseSchema, {});
    expect(listed.instances.map((i) => i.name)).toContain("grpc1");
    await client.deleteInstance({ id: got.id });
    await waitUntil(async () => (await client.listInstances({})).instances.some((i) => i.id === got.id) ? undefined : true, "grpc1 deleted", 120_000, 300);
    await expectGone(got.id, got.host, got.port);
  });

  it("REST with curl: POST, GET, list, DELETE", async () => {
    const base = `${stack.url}/v1/instances`;
    const created = await curl("POST", base, stack.token, { name: "rest1", flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql", datastoreVersion: "15" });
    expect(created.status, JSON.stringify(created.json)).toBe(200);
    const id = (created.json.instance as { id: string }).id;
    const active = await waitUntil(async () => {
      const r = await curl("GET", `${base}/${id}`, stack.token);
      const instance = r.json.instance as { status: string; host: string; port: number };
      return instance.status === "INSTANCE_STATUS_ACTIVE" ? instance : undefined;
    }, "rest1 ACTIVE", 120_000, 300);
    const list = await curl("GET", `${base}?pageSize=10`, stack.token);
    expect((list.json.instances as { id: string }[]).map((i) => i.id)).toContain(id);
    const del = await curl("DELETE", `${base}/${id}`, stack.token);
    expect(del.status).toBe(200);
    await waitUntil(async () => ((await curl("GET", `${base}/${id}`, stack.token)).status === 404 ? true : undefined), "rest1 deleted", 120_000, 300);
    await expectGone(id, active.host, active.port);
  });
});

describe("secrets", () => {
  it("no log line of any process (control plane, agents, database servers) holds a password", () => {
    expect(logsContaining(stack.home, "S3cret-pw")).toEqual([]);
  });
});
