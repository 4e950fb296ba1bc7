// What must survive: instances keep serving while the control plane restarts; a taskmanager
// killed mid-create finishes the task after restart; a killed PostgreSQL shows in the status and
// is brought back by its agent; a silent agent turns the instance to ERROR.
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InstanceStatus, OperatingStatus, type Instance } from "../../gen/proto/hoard/v1/instance_pb.js";
import { connectClient } from "./clients.js";
import { createStack, psql, waitUntil, type Stack } from "./harness.js";

let stack: Stack;

beforeAll(async () => {
  stack = await createStack({ mode: "separate" });
});

afterAll(async () => {
  await stack?.cleanup();
});

const password = "S3cret-pw";

async function createActive(name: string): Promise<Instance> {
  const client = connectClient(stack.url, stack.token);
  await client.createInstance({ name, flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql", databases: [{ name: "appdb" }], users: [{ name: "app", password, databases: ["appdb"] }] });
  return waitActive(name);
}

function waitActive(name: string): Promise<Instance> {
  const client = connectClient(stack.url, stack.token);
  return waitUntil(async () => {
    const { instance } = await client.getInstance({ id: name });
    if (instance?.status === InstanceStatus.ERROR && instance.task === "FAILED") throw new Error(`${name} failed: ${instance.fault?.message}`);
    return instance?.status === InstanceStatus.ACTIVE ? instance : undefined;
  }, `${name} ACTIVE`, 120_000, 200);
}

async function query(instance: Instance): Promise<boolean> {
  const client = new pg.Client({ host: instance.host, port: instance.port, user: "app", password, database: "appdb", connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function postmasterPid(instance: Instance): number {
  const file = path.join(stack.home, "instances", instance.id, "volume", "data", "postmaster.pid");
  return Number(fs.readFileSync(file, "utf8").split("\n")[0]);
}

function agentPid(instance: Instance): number {
  return Number(fs.readFileSync(path.join(stack.home, "instances", instance.id, "run", "agent.pid"), "utf8").trim());
}

describe("resilience", () => {
  it("an instance answers queries while the whole control plane stops and starts, and is ACTIVE after", async () => {
    const db1 = await createActive("db1");
    let failures = 0;
    let queries = 0;
    let running = true;
    const load = (async () => {
      while (running) {
        queries++;
        if (!(await query(db1))) failures++;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await stack.stop();
    await new Promise((r) => setTimeout(r, 3000));
    await stack.start();
    await waitActive("db1");
    running = false;
    await load;
    expect(queries).toBeGreaterThan(10);
    expect(failures).toBe(0);
  });

  it("a taskmanager killed during a create finishes the task after it restarts", async () => {
    const client = connectClient(stack.url, stack.token);
    await client.createInstance({ name: "db2", flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql", databases: [{ name: "appdb" }], users: [{ name: "app", password, databases: ["appdb"] }] });
    // Kill it once the workflow is under way (compute allocated), before it can finish.
    await waitUntil(async () => ((await client.getInstance({ id: "db2" })).instance?.host ? true : undefined), "db2 allocated", 60_000, 20);
    await stack.stop(["taskmanager"], true);
    const during = (await client.getInstance({ id: "db2" })).instance;
    expect(during?.status).toBe(InstanceStatus.BUILD);
    await stack.start(["taskmanager"]);
    const db2 = await waitActive("db2");
    expect(await psql(db2.host, db2.port, "app", password, "appdb", "select 1")).toMatchObject({ code: 0, stdout: "1" });
  });

  it("a killed PostgreSQL shows in the status and its agent brings it back", async () => {
    const db1 = await waitActive("db1");
    const client = connectClient(stack.url, stack.token);
    const before = postmasterPid(db1);
    process.kill(before, "SIGKILL");
    const seen = await waitUntil(async () => {
      const { instance } = await client.getInstance({ id: "db1" });
      return instance && instance.operatingStatus !== OperatingStatus.HEALTHY ? instance : undefined;
    }, "the crash to show", 30_000, 50);
    expect(seen.status).not.toBe(InstanceStatus.ACTIVE);
    const back = await waitActive("db1");
    expect(postmasterPid(back)).not.toBe(before);
    expect(await query(back)).toBe(true);
  });

  it("an agent that falls silent turns its instance to ERROR, and back once it speaks again", async () => {
    const db1 = await waitActive("db1");
    const client = connectClient(stack.url, stack.token);
    const pid = agentPid(db1);
    process.kill(pid, "SIGSTOP");
    try {
      const silent = await waitUntil(async () => {
        const { instance } = await client.getInstance({ id: "db1" });
        return instance?.status === InstanceStatus.ERROR ? instance : undefined;
      }, "db1 ERROR after silence", 30_000, 200);
      expect(silent.serviceDetail).toContain("silent");
    } finally {
      process.kill(pid, "SIGCONT");
    }
    await waitActive("db1");
  });
});
