// The agent as the local compute provider runs it: a child process started from instance.json,
// with the real PostgreSQL manager, a real nats-server and a real PostgreSQL 15 running as the
// postgres account on its own loopback address. A user created by Prepare logs in with `pg`.
import { Code, ConnectError } from "@connectrpc/connect";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync, openSync, closeSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceStatus } from "../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { agentClient, HeartbeatRecorder, type AgentClient } from "./helpers/agent-harness.js";
import { freePort, startNatsServer, type NatsServer } from "./helpers/nats-server.js";

const repo = path.resolve(import.meta.dirname, "../..");
const binDir = "/usr/lib/postgresql/15/bin";
const skipReason = !existsSync(path.join(repo, "agent/src/datastores/postgresql/index.ts"))
  ? "agent/src/datastores/postgresql/index.ts does not exist yet"
  : !existsSync(path.join(binDir, "postgres"))
    ? `no PostgreSQL 15 binaries in ${binDir}`
    : process.getuid?.() !== 0
      ? "the agent must run as root to run PostgreSQL as the postgres account"
      : undefined;

const password = `pw-${randomBytes(9).toString("base64url")}`;
const adminPassword = `admin-${randomBytes(12).toString("base64url")}`;
const carolPassword = `carol-${randomBytes(9).toString("base64url")}`;
const rootPassword = `root-${randomBytes(9).toString("base64url")}`;

describe.skipIf(skipReason !== undefined)(`agent process with PostgreSQL${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let root: string;
  let instanceId: string;
  let host: string;
  let port: number;
  let configFile: string;
  let agentLog: string;
  let client: AgentClient;
  let heartbeats: HeartbeatRecorder;
  let agent: ChildProcess | undefined;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    root = await mkdtemp("/tmp/hoard-agent-pg-");
    await chmod(root, 0o755); // the postgres account walks through it to its data directory
    instanceId = `pg-${process.pid}-${randomBytes(3).toString("hex")}`;
    host = `127.0.${1 + Math.floor(Math.random() * 200)}.${2 + Math.floor(Math.random() * 250)}`;
    port = await freePort(host);
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    configFile = path.join(root, "instance.json");
    agentLog = path.join(root, "agent.log");
    await writeFile(
      configFile,
      JSON.stringify({
        instanceId,
        engine: "postgresql",
        binDir,
        host,
        port,
        volumeKind: "directory",
        volumeSizeGb: 1,
        root,
        dataDir: path.join(root, "volume", "data"),
        runDir: path.join(root, "run"),
        logDir: path.join(root, "logs"),
        cacheDir: path.join(root, "cache"),
        runAs: { user: "postgres", uid, gid },
        natsUrl: nats.url,
      }),
    );
    client = agentClient(nc, instanceId, 10_000);
    heartbeats = new HeartbeatRecorder(nc, instanceId);
  }, 30_000);

  afterAll(async () => {
    heartbeats?.close();
    if (agent) await terminate(agent);
    await stopPostgres(path.join(root, "volume", "data"));
    await nc?.close();
    await nats?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  }, 60_000);

  function spawnAgent(): ChildProcess {
    const out = openSync(agentLog, "a");
    const child = spawn(process.execPath, ["--import", "tsx", "agent/src/main.ts"], {
      cwd: repo,
      env: {
        ...process.env,
        HOARD_INSTANCE_CONFIG: configFile,
        HOARD_AGENT_PROBE_MS: "200",
        HOARD_AGENT_HEARTBEAT_MS: "500",
        HOARD_LOG_LEVEL: "debug",
      },
      stdio: ["ignore", out, out],
    });
    closeSync(out);
    return child;
  }

  async function untilPing(): Promise<{ prepared: boolean; pid: number }> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        return await client.ping({}, { timeoutMs: 1000 });
      } catch (err) {
        if (ConnectError.from(err).code !== Code.Unavailable || Date.now() > deadline || agent?.exitCode !== null) {
          throw new Error(`agent did not answer Ping: ${String(err)}\n${await readFile(agentLog, "utf8").catch(() => "")}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async function query(sql: string, as = { user: "alice", password, database: "shop" }): Promise<pg.QueryResult> {
    const db = new pg.Client({ host, port, ...as, connectionTimeoutMillis: 5000 });
    db.on("error", () => {});
    try {
      await db.connect();
      return await db.query(sql);
    } finally {
      await db.end().catch(() => {});
    }
  }

  it("prepares PostgreSQL; the user it created logs in over TCP", { timeout: 180_000 }, async () => {
    agent = spawnAgent();
    const pong = await untilPing();
    expect(pong).toMatchObject({ prepared: false, pid: agent.pid });

    await client.prepare(
      {
        ramMb: 512,
        vcpus: 1,
        databases: [{ name: "shop" }],
        users: [{ name: "alice", password, databases: ["shop"] }],
        adminPassword,
      },
      { timeoutMs: 150_000 },
    );
    const result = await query("select current_user as who, current_database() as db");
    expect(result.rows[0]).toEqual({ who: "alice", db: "shop" });
    await query("create table orders (id int primary key)");

    const status = await client.getStatus({});
    expect(status.status).toBe(ServiceStatus.HEALTHY);
    expect(status.volumeUsedBytes).toBeGreaterThan(1_000_000n);
    const beat = await heartbeats.waitFor((h) => h.status === ServiceStatus.HEALTHY, 5000);
    expect(beat.instanceId).toBe(instanceId);
  });

  it("restarts a killed postmaster and reports CRASHED, then HEALTHY", { timeout: 60_000 }, async () => {
    const dataDir = path.join(root, "volume", "data");
    const pid = await postmasterPid(dataDir);
    expect(pid).toBeGreaterThan(0);
    const from = heartbeats.received.length;
    process.kill(pid!, "SIGKILL");
    const crashed = await heartbeats.waitFor((h) => h.status === ServiceStatus.CRASHED, 10_000, from);
    const healthy = await heartbeats.waitFor((h) => h.status === ServiceStatus.HEALTHY, 30_000, crashed.index);
    expect(healthy.crashRestarts).toBe(1);
    expect((await query("select count(*)::int as n from orders")).rows[0]).toEqual({ n: 0 });
  });

  it("exits on SIGTERM leaving PostgreSQL up; a new agent adopts it", { timeout: 60_000 }, async () => {
    const exit = await terminate(agent!);
    expect(exit).toBe(0);
    expect((await query("select 1 as one")).rows[0]).toEqual({ one: 1 });

    agent = spawnAgent();
    expect((await untilPing()).prepared).toBe(true);
    const from = heartbeats.received.length;
    await heartbeats.waitFor((h) => h.status === ServiceStatus.HEALTHY && h.crashRestarts === 0, 10_000, from);
  });

  it("stops on Stop and stays down; Start brings it back", { timeout: 60_000 }, async () => {
    await client.stop({}, { timeoutMs: 60_000 });
    expect((await client.getStatus({})).status).toBe(ServiceStatus.SHUTDOWN);
    await expect(query("select 1")).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 1000));
    expect((await client.getStatus({})).status).toBe(ServiceStatus.SHUTDOWN);

    await client.start({}, { timeoutMs: 60_000 });
    expect((await query("select 1 as one")).rows[0]).toEqual({ one: 1 });
  });

  it("administers databases, users, grants and root over NATS", { timeout: 60_000 }, async () => {
    const carol = { user: "carol", password: carolPassword, database: "ledger" };
    await client.createDatabase({ database: { name: "ledger" } });
    await client.createUser({ user: { name: "carol", password: carolPassword, databases: ["ledger"] } });
    expect((await query("select current_user as who", carol)).rows[0]).toEqual({ who: "carol" });
    expect((await client.listDatabases({})).databases.map((d) => [d.name, d.characterSet])).toEqual([
      ["ledger", "UTF8"],
      ["shop", "UTF8"],
    ]);

    await client.revokeAccess({ name: "carol", database: "ledger" });
    await expect(query("select 1", carol)).rejects.toThrow(/permission denied for database "ledger"/);
    expect((await client.listUsers({})).users.map((u) => [u.name, u.databases])).toEqual([
      ["alice", ["shop"]],
      ["carol", []],
    ]);

    expect(await client.enableRoot({ password: rootPassword })).toMatchObject({ name: "root" });
    expect(await client.getRootStatus({})).toMatchObject({ enabled: true });
    await query("create database made_by_root", { user: "root", password: rootPassword, database: "postgres" });

    const dup = ConnectError.from(await client.createUser({ user: { name: "carol", password: carolPassword, databases: [] } }).catch((e: unknown) => e));
    expect([dup.code, dup.rawMessage]).toEqual([Code.AlreadyExists, 'user "carol" already exists']);
    const missing = ConnectError.from(await client.grantAccess({ name: "carol", databases: ["nowhere"] }).catch((e: unknown) => e));
    expect([missing.code, missing.rawMessage]).toEqual([Code.NotFound, 'database "nowhere" does not exist']);
    const reserved = ConnectError.from(await client.deleteUser({ name: "postgres" }).catch((e: unknown) => e));
    expect(reserved.code).toBe(Code.InvalidArgument);
  });

  it("logs JSON lines carrying the instance id and never a password", async () => {
    const lines = (await readFile(agentLog, "utf8")).split("\n").filter((l) => l.trim() !== "");
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      for (const secret of [password, adminPassword, carolPassword, rootPassword]) expect(line).not.toContain(secret);
      const entry = JSON.parse(line) as { instanceId?: string; component?: string };
      expect(entry.instanceId).toBe(instanceId);
    }
    expect(lines.some((l) => (JSON.parse(l) as { component?: string }).component === "agent")).toBe(true);
  });
});

async function terminate(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(path.join(dataDir, "postmaster.pid"), "utf8").catch(() => "");
  const pid = Number(text.split("\n")[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The test owns the server it made: fast shutdown, then wait for the postmaster to go. */
async function stopPostgres(dataDir: string): Promise<void> {
  const pid = await postmasterPid(dataDir);
  if (pid === undefined) return;
  try {
    process.kill(pid, "SIGINT");
  } catch {
    return;
  }
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(pid, "SIGKILL");
}
