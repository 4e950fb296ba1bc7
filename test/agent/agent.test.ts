// The guest agent in-process against a real nats-server, with an in-memory datastore: what the
// taskmanager and the conductor see of it over NATS (RPC answers, heartbeats), not its internals.
import { Code, ConnectError } from "@connectrpc/connect";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ServiceStatus } from "../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { startAgent, type Agent } from "../../agent/src/agent.js";
import { parseAgentConfig } from "../../agent/src/config.js";
import { createLogger } from "../../services/platform/logger.js";
import { agentClient, HeartbeatRecorder, instanceJson } from "./helpers/agent-harness.js";
import { FakeDatastore } from "./helpers/fake-datastore.js";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.js";

const timing = {
  HOARD_AGENT_PROBE_MS: "50",
  HOARD_AGENT_HEARTBEAT_MS: "300",
  HOARD_AGENT_RESTART_BACKOFF_MS: "200",
  HOARD_AGENT_RESTART_BACKOFF_MAX_MS: "1000",
};
const logger = createLogger("agent", process.env.TEST_LOG_LEVEL ?? "silent");
const prepareRequest = {
  ramMb: 512,
  vcpus: 1,
  databases: [{ name: "shop" }],
  users: [{ name: "alice", password: "correct-horse-battery", databases: ["shop"] }],
  adminPassword: "admin-secret-123",
};

let nats: NatsServer;
let nc: NatsConnection;
const cleanups: Array<() => Promise<void> | void> = [];
let counter = 0;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

/** Starts an agent for a new instance id (or `reuse`'s, to play an agent restart). */
async function launch(fake = new FakeDatastore(), reuse?: { instanceId: string; doc: Record<string, unknown> }) {
  const instanceId = reuse?.instanceId ?? `inst-${process.pid}-${++counter}`;
  const doc = reuse?.doc ?? (await instanceJson(nats.url, instanceId));
  const heartbeats = new HeartbeatRecorder(nc, instanceId);
  const config = parseAgentConfig(doc, timing);
  const agent: Agent = await startAgent(config, { managerFactory: fake.factory, logger });
  cleanups.push(async () => {
    heartbeats.close();
    await agent.close();
    if (!reuse) await rm(String(doc.root), { recursive: true, force: true });
  });
  return { instanceId, doc, fake, agent, heartbeats, client: agentClient(nc, instanceId) };
}

describe("guest agent", () => {
  it("answers Ping with its instance, pid and prepared flag, and heartbeats NEW", async () => {
    const { instanceId, client, heartbeats, fake } = await launch();
    const pong = await client.ping({});
    expect(pong).toMatchObject({ instanceId, pid: process.pid, prepared: false });
    await heartbeats.waitFor((h) => h.status === ServiceStatus.NEW);
    expect(fake.layouts[0]).toMatchObject({ instanceId, port: 5432, runAs: undefined });
  });

  it("runs prepare once when Prepare arrives twice at once, and answers both", async () => {
    const { client, fake, heartbeats } = await launch();
    fake.prepareDelayMs = 300;
    await Promise.all([client.prepare(prepareRequest), client.prepare(prepareRequest)]);
    expect(fake.prepareCalls).toBe(1);
    expect(fake.specs[0]).toEqual({
      ramMb: 512,
      vcpus: 1,
      databases: [{ name: "shop" }],
      users: [{ name: "alice", password: "correct-horse-battery", databases: ["shop"] }],
      adminPassword: "admin-secret-123",
      parameters: {},
      allowedCidrs: [],
    });
    expect((await client.ping({})).prepared).toBe(true);
    const building = await heartbeats.waitFor((h) => h.status === ServiceStatus.BUILDING);
    await heartbeats.waitFor((h) => h.status === ServiceStatus.HEALTHY, 5000, building.index);

    // Once prepared, Prepare is idempotent: no second prepare, but a stopped server is started.
    await client.stop({});
    await client.prepare(prepareRequest);
    expect(fake.prepareCalls).toBe(1);
    expect(fake.running).toBe(true);
    expect((await client.getStatus({})).status).toBe(ServiceStatus.HEALTHY);
  });

  it("keeps a prepare running past the caller's deadline; the next Prepare joins it", async () => {
    const { client, fake } = await launch();
    fake.prepareDelayMs = 800;
    const impatient = await client.prepare(prepareRequest, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(ConnectError.from(impatient).code).toBe(Code.DeadlineExceeded);
    await client.prepare(prepareRequest, { timeoutMs: 5000 });
    expect(fake.prepareCalls).toBe(1);
    expect(fake.prepared).toBe(true);
  });

  it("publishes protobuf heartbeats on the conductor subject, periodically", async () => {
    const { instanceId, client, heartbeats } = await launch();
    await client.prepare(prepareRequest);
    const first = await heartbeats.waitFor((h) => h.status === ServiceStatus.HEALTHY && h.volumeUsedBytes > 0n);
    const second = await heartbeats.waitFor(() => true, 2000, first.index + 1);
    expect(first).toMatchObject({ instanceId, detail: "", volumeUsedBytes: 12_345n, crashRestarts: 0 });
    const sentAt = Number(first.sentAt?.seconds ?? 0n) * 1000;
    expect(Math.abs(Date.now() - sentAt)).toBeLessThan(10_000);
    expect(second.status).toBe(ServiceStatus.HEALTHY);
  });

  it("applies settings with Configure and reports RESTART_REQUIRED until a restart applies them", async () => {
    const { client, fake, heartbeats } = await launch();
    await client.prepare(prepareRequest);
    await heartbeats.waitFor((h) => h.status === ServiceStatus.HEALTHY);

    const live = await client.configure({ ramMb: 1024, vcpus: 2, parameters: { work_mem: "8192" }, allowedCidrs: ["10.0.0.0/8"] });
    expect(live.restartRequired).toBe(false);
    expect(fake.settings).toEqual({ ramMb: 1024, vcpus: 2, parameters: { work_mem: "8192" }, allowedCidrs: ["10.0.0.0/8"] });
    expect((await client.getParameters({ names: ["work_mem", "nope"] })).values).toEqual({ work_mem: "8192" });

    const pending = await client.configure({ ramMb: 1024, vcpus: 2, parameters: { max_connections: "50" }, allowedCidrs: [] });
    expect(pending.restartRequired).toBe(true);
    expect((await client.getStatus({})).status).toBe(ServiceStatus.RESTART_REQUIRED);
    await heartbeats.waitFor((h) => h.status === ServiceStatus.RESTART_REQUIRED);
    await client.restart({});
    expect((await client.getStatus({})).status).toBe(ServiceStatus.HEALTHY);
    expect((await client.getParameters({ names: ["max_connections"] })).values).toEqual({ max_connections: "50" });
  });

  it("refuses a malformed CIDR or parameter in Configure and changes nothing", async () => {
    const { client, fake } = await launch();
    await client.prepare(prepareRequest);
    const before = structuredClone(fake.settings);
    await expect(client.configure({ ramMb: 512, vcpus: 1, parameters: {}, allowedCidrs: ["10.0.0.1/8"] })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: expect.stringContaining("allowed_cidrs[0]") as unknown,
    });
    await expect(client.configure({ ramMb: 512, vcpus: 1, parameters: { "a b": "1" }, allowedCidrs: [] })).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
    expect(fake.settings).toEqual(before);
  });

  it("lists, toggles and reads logs, and refuses them before Prepare", async () => {
    const { client, fake } = await launch();
    await expect(client.listLogs({})).rejects.toMatchObject({ code: Code.FailedPrecondition });
    await client.prepare(prepareRequest);
    expect((await client.listLogs({})).logs.map((l) => [l.name, l.type, l.enabled])).toEqual([
      ["error", "SYS", true],
      ["slow", "USER", false],
    ]);
    expect((await client.setLogEnabled({ name: "slow", enabled: true })).log?.enabled).toBe(true);
    fake.logLines.set("slow", ["one", "two", "three"]);
    const tail = await client.readLog({ name: "slow", lines: 2 });
    expect(tail.text).toBe("two\nthree\n");
    fake.logLines.get("slow")?.push("four");
    expect((await client.readLog({ name: "slow", cursor: tail.cursor })).text).toBe("four\n");
    await expect(client.readLog({ name: "general" })).rejects.toMatchObject({ code: Code.NotFound });
    await expect(client.readLog({ name: "../etc" })).rejects.toMatchObject({ code: Code.InvalidArgument });
  });

  it("reports a crash at once, restarts the server and reports HEALTHY again", async () => {
    const { client, fake, heartbeats } = await launch();
    await client.prepare(prepareRequest);
    await heartbeats.waitFor((h) => h.status === ServiceStatus.HEALTHY);

    fake.crash();
    const crashed = await heartbeats.next(ServiceStatus.CRASHED, 5000);
    expect(crashed.detail).toBe("postmaster is gone");
    const back = await heartbeats.waitFor((h) => h.status === ServiceStatus.HEALTHY, 5000, crashed.index);
    expect(back.crashRestarts).toBe(1);
    expect(fake.startCalls).toBe(1);
    expect((await client.getStatus({})).status).toBe(ServiceStatus.HEALTHY);
  });

  it("backs off between restarts of a server that keeps crashing", async () => {
    const { client, fake, heartbeats } = await launch();
    await client.prepare(prepareRequest);
    const starts: number[] = [];
    const start = fake.manager.start;
    fake.manager.start = async (signal) => {
      starts.push(Date.now());
      await start(signal);
      fake.crash(); // dies right after every start
    };
    fake.crash();
    await heartbeats.waitFor((h) => h.crashRestarts >= 3, 5000);
    fake.manager.start = start;
    const gaps = starts.slice(1, 3).map((t, i) => t - (starts[i] ?? 0));
    // 200 ms, then 400 ms, then 800 ms (probe granularity 50 ms).
    expect(gaps[0]).toBeGreaterThanOrEqual(350);
    expect(gaps[1]).toBeGreaterThanOrEqual(750);
  });

  it("Stop reports SHUTDOWN and keeps the server down until Start", async () => {
    const { client, fake, heartbeats, doc } = await launch();
    await client.prepare(prepareRequest);
    await client.stop({});
    const shutdown = await heartbeats.next(ServiceStatus.SHUTDOWN, 2000);
    expect(existsSync(path.join(String(doc.root), "agent-server-stopped"))).toBe(true);

    fake.crash(); // the engine would call a dead server crashed; the agent knows it was stopped
    await new Promise((r) => setTimeout(r, 800));
    expect(fake.startCalls).toBe(0);
    expect(heartbeats.received.at(-1)?.status).toBe(ServiceStatus.SHUTDOWN);
    expect((await client.getStatus({})).status).toBe(ServiceStatus.SHUTDOWN);

    await client.start({});
    expect(fake.startCalls).toBe(1);
    await heartbeats.next(ServiceStatus.HEALTHY, 2000);
    // From stopped to healthy without ever looking crashed.
    expect(heartbeats.statuses().slice(shutdown.index)).not.toContain("CRASHED");
    expect(existsSync(path.join(String(doc.root), "agent-server-stopped"))).toBe(false);
  });

  it("refuses Start before Prepare with FAILED_PRECONDITION", async () => {
    const { client } = await launch();
    const err = ConnectError.from(await client.start({}).catch((e: unknown) => e));
    expect(err.code).toBe(Code.FailedPrecondition);
    expect(err.rawMessage).toContain("not been prepared");
  });

  it("reports FAILED with a scrubbed reason when prepare fails, and a new Prepare retries", async () => {
    const { client, fake, heartbeats } = await launch();
    fake.failNextPrepare = `CREATE ROLE alice PASSWORD 'correct-horse-battery' failed; admin admin-secret-123`;
    const err = ConnectError.from(await client.prepare(prepareRequest).catch((e: unknown) => e));
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toMatch(/^prepare failed: CREATE ROLE alice/);
    expect(err.rawMessage).not.toContain("correct-horse-battery");
    expect(err.rawMessage).not.toContain("admin-secret-123");
    const failed = await heartbeats.waitFor((h) => h.status === ServiceStatus.FAILED);
    expect(failed.detail).toContain("prepare failed");
    expect(failed.detail).not.toContain("correct-horse-battery");
    expect((await client.getStatus({})).status).toBe(ServiceStatus.FAILED);

    await client.prepare(prepareRequest);
    expect(fake.prepareCalls).toBe(2);
    await heartbeats.next(ServiceStatus.HEALTHY, 2000);
  });

  it("rejects a Prepare without a user's password as INVALID_ARGUMENT", async () => {
    const { client, fake } = await launch();
    const bad = { ...prepareRequest, users: [{ name: "bob", password: "", databases: [] }] };
    const err = ConnectError.from(await client.prepare(bad).catch((e: unknown) => e));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toBe("users[0].password: must not be empty");
    expect(fake.prepareCalls).toBe(0);
  });

  it("brings a prepared server back when the agent restarts, unless it was stopped on request", async () => {
    const first = await launch();
    await first.client.prepare(prepareRequest);
    await first.agent.close();
    first.fake.crash(); // host reboot: the server is gone along with the agent
    const second = await launch(first.fake, first);
    expect((await second.client.ping({})).prepared).toBe(true);
    await second.heartbeats.waitFor((h) => h.status === ServiceStatus.HEALTHY);
    expect(first.fake.startCalls).toBe(1);
    expect(first.fake.prepareCalls).toBe(1);

    await second.client.stop({});
    await second.agent.close();
    const third = await launch(first.fake, first);
    await third.heartbeats.waitFor((h) => h.status === ServiceStatus.SHUTDOWN);
    await new Promise((r) => setTimeout(r, 300));
    expect(first.fake.startCalls).toBe(1);
  });

  it("leaves the database server running when the agent shuts down", async () => {
    const { client, fake, agent } = await launch();
    await client.prepare(prepareRequest);
    await agent.close();
    expect(fake.running).toBe(true);
    expect(fake.stopCalls).toBe(0);
  });

  it("survives a NATS restart and answers again", async () => {
    const { client, instanceId, heartbeats } = await launch();
    await client.prepare(prepareRequest);
    await nats.kill();
    await new Promise((r) => setTimeout(r, 500));
    await nats.restart();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const pong = await client.ping({}, { timeoutMs: 500 }).catch(() => undefined);
      if (pong) {
        expect(pong.instanceId).toBe(instanceId);
        break;
      }
      if (Date.now() > deadline) throw new Error("agent did not come back after the NATS restart");
      await new Promise((r) => setTimeout(r, 200));
    }
    await heartbeats.next(ServiceStatus.HEALTHY, 3000);
  });
});

describe("calling an instance without an agent", () => {
  it("fails with UNAVAILABLE naming the instance", async () => {
    const client = agentClient(nc, "inst-nobody-home");
    const err = ConnectError.from(await client.ping({}).catch((e: unknown) => e));
    expect(err.code).toBe(Code.Unavailable);
    expect(err.rawMessage).toContain("inst-nobody-home");
  });
});
