// Quotas and rate limits through the real gateway (startGateway over SQLite and a real
// nats-server; no taskmanager: creates stay BUILDING, which is all a quota needs): each token has
// its own bucket, so token A is refused with a retry hint (RetryInfo; REST 429 with Retry-After)
// while token B goes on; QuotaService reads and sets limits under the access rules; creates and
// resizes and backups over a quota answer RESOURCE_EXHAUSTED and create nothing; and the CLI shows
// and sets them.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RetryInfoSchema } from "../../gen/proto/google/rpc/error_details_pb.js";
import { BackupService } from "../../gen/proto/hoard/v1/backup_pb.js";
import { FlavorService } from "../../gen/proto/hoard/v1/flavor_pb.js";
import { InstanceService } from "../../gen/proto/hoard/v1/instance_pb.js";
import { QuotaService } from "../../gen/proto/hoard/v1/quota_pb.js";
import { runHoard } from "../../cli/hoard.js";
import { runHoardManage } from "../../cli/hoard-manage.js";
import { startGateway, type Gateway } from "../../services/gateway/main.js";
import { loadPlatformConfig } from "../../services/platform/config.js";
import { createDb, defaultDatabaseUrl, migrateDb, type Db } from "../../services/platform/db/index.js";
import { createLogger } from "../../services/platform/logger.js";
import { hashToken } from "../../services/platform/tokens.js";
import { startNatsServer, type NatsServer } from "../agent/helpers/nats-server.js";
import { runCli } from "../cli/harness.js";

const home = mkdtempSync(join(tmpdir(), "hoard-gw-quota-"));
let nats: NatsServer;
let db: Db;
let gateway: Gateway;
let url: string;
const secrets = { admin: `adm-${randomBytes(8).toString("hex")}`, a: `a-${randomBytes(8).toString("hex")}`, b: `b-${randomBytes(8).toString("hex")}`, reader: `r-${randomBytes(8).toString("hex")}` };
let tenantId: string;

/** The env the gateway reads at start: a slow refill and a burst of 20, default instances quota 3. */
const gatewayEnv = { HOARD_RATE_LIMIT_RPS: "0.2", HOARD_RATE_LIMIT_BURST: "20", HOARD_QUOTA_INSTANCES: "3" };

function clients(token: string) {
  const transport = createConnectTransport({
    baseUrl: url,
    httpVersion: "1.1",
    interceptors: [(next) => (req) => (req.header.set("authorization", `Bearer ${token}`), next(req))],
  });
  return {
    flavors: createClient(FlavorService, transport),
    instances: createClient(InstanceService, transport),
    backups: createClient(BackupService, transport),
    quotas: createClient(QuotaService, transport),
  };
}

async function refusal(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("expected a refusal, got success");
}

beforeAll(async () => {
  nats = await startNatsServer();
  const dbUrl = defaultDatabaseUrl(home);
  await migrateDb(dbUrl);
  db = createDb(dbUrl);
  const adminProject = await db.project.create({ data: { name: "admin" } });
  const tenant = await db.project.create({ data: { name: "tenant" } });
  tenantId = tenant.id;
  const token = (projectId: string, name: string, secret: string, roles: string) =>
    db.apiToken.create({ data: { projectId, name, tokenHash: hashToken(secret), roles } });
  await token(adminProject.id, "admin", secrets.admin, "admin");
  await token(tenant.id, "a", secrets.a, "member");
  await token(tenant.id, "b", secrets.b, "member");
  await token(tenant.id, "reader", secrets.reader, "reader");
  const datastore = await db.datastore.create({ data: { name: "postgresql" } });
  const version = await db.datastoreVersion.create({ data: { datastoreId: datastore.id, name: "15", manager: "postgresql", binDir: "/usr/lib/postgresql/15/bin" } });
  await db.datastore.update({ where: { id: datastore.id }, data: { defaultVersionId: version.id } });
  await db.flavor.create({ data: { id: "1", name: "small", vcpus: 1, ramMb: 1024 } });
  await db.flavor.create({ data: { id: "4", name: "large", vcpus: 4, ramMb: 4096 } });

  const saved = { ...process.env };
  Object.assign(process.env, gatewayEnv);
  try {
    const platform = loadPlatformConfig({ HOARD_HOME: home, DATABASE_URL: dbUrl, HOARD_NATS_URL: nats.url, HOARD_GATEWAY_ADDR: "127.0.0.1:0", HOARD_TASKMANAGER_ADDR: "127.0.0.1:1" });
    gateway = await startGateway(platform, db, createLogger("test", "silent"));
  } finally {
    for (const key of Object.keys(gatewayEnv)) if (saved[key] === undefined) delete process.env[key];
  }
  url = `http://${gateway.address.host}:${gateway.address.port}`;
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await db?.$disconnect();
  await nats?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe("rate limits through the gateway", () => {
  it("limits token A after its burst while token B still works, with a retry hint on every surface", async () => {
    const a = clients(secrets.a);
    // Trove's /limits shows the bucket as Trove's rate-limit row: 0.2 a second is 12 a minute.
    const trove = (token: string) => fetch(`${url}/v1.0/${tenantId}/limits`, { headers: { "x-auth-token": token } });
    const limits = ((await (await trove(secrets.a)).json()) as { limits: Record<string, unknown>[] }).limits;
    expect(limits[1]).toMatchObject({ verb: "*", value: 12, unit: "MINUTE", remaining: 19, burst: 20 });
    for (let i = 0; i < 19; i++) await a.flavors.listFlavors({});
    const err = await refusal(a.flavors.listFlavors({}));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.rawMessage).toMatch(/^rate limit exceeded for this token; retry in \d+\.\d s$/);
    const [retry] = err.findDetails(RetryInfoSchema);
    const delayMs = Number(retry?.retryDelay?.seconds ?? 0n) * 1000 + (retry?.retryDelay?.nanos ?? 0) / 1e6;
    expect(delayMs).toBeGreaterThan(0);
    expect(delayMs).toBeLessThanOrEqual(5000);

    // Token B, same project, has a bucket of its own.
    expect((await clients(secrets.b).flavors.listFlavors({})).flavors).toHaveLength(2);

    // REST: 429, Retry-After in whole seconds, the RetryInfo detail decoded in the body.
    const res = await fetch(`${url}/v1/flavors`, { headers: { authorization: `Bearer ${secrets.a}` } });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await res.json()) as { code: string; details: { "@type": string; retryDelay: string }[] };
    expect(body.code).toBe("resource_exhausted");
    expect(body.details).toEqual([{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: expect.stringMatching(/^\d+(\.\d+)?s$/) as string }]);

    // Trove: 413 overLimit (as Trove's own rate limiter answers), with the Retry-After troveclient reads.
    const troveRes = await trove(secrets.a);
    expect(troveRes.status).toBe(413);
    expect(Number(troveRes.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await troveRes.json()) as { overLimit: { message: string } }).overLimit.message).toMatch(/^rate limit exceeded for this token/);
  });

  it("does not limit health checks, which carry no token", async () => {
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${url}/grpc.health.v1.Health/Check`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(res.status).toBe(200);
    }
  });
});

describe("quotas through the gateway", () => {
  let admin: ReturnType<typeof clients>;
  let member: ReturnType<typeof clients>;
  let quotaOf: (c: Client<typeof QuotaService>, project?: string) => Promise<Record<string, { limit: number; inUse: number; overridden: boolean }>>;

  beforeAll(() => {
    admin = clients(secrets.admin);
    member = clients(secrets.b);
    quotaOf = async (c, project = "") => {
      const res = await c.getQuotas({ project });
      return Object.fromEntries(res.quotas.map((q) => [q.name, { limit: Number(q.limit), inUse: Number(q.inUse), overridden: q.overridden }]));
    };
  });

  it("shows a project its own limits and usage; only admins see or set another's", async () => {
    const own = await member.quotas.getQuotas({});
    expect(own.project).toBe("tenant");
    expect(own.quotas.map((q) => q.name)).toEqual(["instances", "volume_gb", "ram_mb", "backups", "backup_gb"]);
    expect((await quotaOf(member.quotas)).instances).toEqual({ limit: 3, inUse: 0, overridden: false }); // HOARD_QUOTA_INSTANCES
    expect((await quotaOf(clients(secrets.reader).quotas, "tenant")).instances?.limit).toBe(3);
    expect((await refusal(member.quotas.getQuotas({ project: "admin" }))).code).toBe(Code.PermissionDenied);
    expect((await refusal(member.quotas.setQuotas({ project: "tenant", instances: 100n }))).code).toBe(Code.PermissionDenied);
    expect((await refusal(admin.quotas.setQuotas({ project: "tenant", instances: -2n }))).code).toBe(Code.InvalidArgument);
    expect((await refusal(admin.quotas.setQuotas({ project: "nope", instances: 1n }))).code).toBe(Code.NotFound);
    expect((await quotaOf(admin.quotas, "tenant")).instances?.limit).toBe(3);
  });

  it("refuses a create over the instances quota, naming it, and creates nothing", async () => {
    const set = await admin.quotas.setQuotas({ project: "tenant", instances: 2n, ramMb: 5000n });
    expect(set.quotas.find((q) => q.name === "instances")).toMatchObject({ limit: 2n, overridden: true });
    const create = (name: string) => member.instances.createInstance({ name, flavor: "small", volumeSizeGb: 1, datastore: "postgresql" });
    await create("db1");
    await create("db2");
    const err = await refusal(create("db3"));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.rawMessage).toBe("quota exceeded for instances: 2 in use + 1 requested > limit 2");
    expect((await member.instances.listInstances({})).instances.map((i) => i.name)).toEqual(["db1", "db2"]);

    const res = await fetch(`${url}/v1/instances`, {
      method: "POST",
      headers: { authorization: `Bearer ${secrets.b}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "db4", flavor: "small", volumeSizeGb: 1, datastore: "postgresql" }),
    });
    expect(res.status).toBe(429);
    expect(((await res.json()) as { message: string }).message).toBe("quota exceeded for instances: 2 in use + 1 requested > limit 2");
    expect(await db.instance.count({ where: { projectId: tenantId } })).toBe(2);
  });

  it("refuses a flavor resize over the ram_mb quota", async () => {
    await db.instance.updateMany({ where: { projectId: tenantId }, data: { taskStatus: "NONE", serviceStatus: "HEALTHY", computeStatus: "RUNNING" } });
    const err = await refusal(member.instances.resizeInstance({ id: "db1", flavor: "large" }));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.rawMessage).toBe("quota exceeded for ram_mb: 2048 in use + 3072 requested > limit 5000");
    expect(await db.task.count({ where: { kind: "RESIZE_FLAVOR" } })).toBe(0);
    expect((await quotaOf(member.quotas)).ram_mb).toEqual({ limit: 5000, inUse: 2048, overridden: true });
  });

  it("refuses a volume resize over volume_gb and a backup over the backups quota", async () => {
    await admin.quotas.setQuotas({ project: "tenant", volumeGb: 3n, backups: 0n });
    const resize = await refusal(member.instances.resizeInstanceVolume({ id: "db1", sizeGb: 5 }));
    expect(resize.code).toBe(Code.ResourceExhausted);
    expect(resize.rawMessage).toBe("quota exceeded for volume_gb: 2 in use + 4 requested > limit 3");
    const backup = await refusal(member.backups.createBackup({ instance: "db1", name: "b1" }));
    expect(backup.code).toBe(Code.ResourceExhausted);
    expect(backup.rawMessage).toBe("quota exceeded for backups: 0 in use + 1 requested > limit 0");
    expect(await db.backup.count()).toBe(0);
    expect(await db.task.count({ where: { kind: { in: ["RESIZE_VOLUME", "BACKUP"] } } })).toBe(0);
    await admin.quotas.setQuotas({ project: "tenant", reset: ["volume_gb", "backups"] });
  });

  it("hoard quota show and hoard-manage quota set", async () => {
    const target = (token: string) => ({ url, token, home });
    const shown = await runCli(runHoard, target(secrets.reader), ["quota", "show"]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/\| instances \| 2 +\| 2 +\| project +\|/);
    expect(shown.stdout).toMatch(/\| backups +\| 50 +\| 0 +\| default +\|/);

    const set = await runCli(runHoardManage, target(secrets.admin), ["quota", "set", "tenant", "--instances", "-1", "--reset", "ram_mb", "-f", "json"]);
    expect(set.stderr).toBe("");
    expect(set.code).toBe(0);
    const json = JSON.parse(set.stdout) as { project: string; quotas: { name: string; limit: number; overridden: boolean }[] };
    expect(json.project).toBe("tenant");
    expect(json.quotas.find((q) => q.name === "instances")).toMatchObject({ limit: -1, overridden: true });
    expect(json.quotas.find((q) => q.name === "ram_mb")).toMatchObject({ limit: 65536, overridden: false });
    expect((await runCli(runHoard, target(secrets.reader), ["quota", "show"])).stdout).toMatch(/\| instances \| unlimited \|/);

    const bad = await runCli(runHoardManage, target(secrets.admin), ["quota", "set", "tenant", "--backups", "lots"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--backups must be a whole number/);
    const refused = await runCli(runHoardManage, target(secrets.b), ["quota", "set", "tenant", "--backups", "9"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/needs the admin role/);
  });
});
