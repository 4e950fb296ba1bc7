// Point-in-time restores of PostgreSQL on real servers: data from before a full backup, batch A
// after it, the server's clock noted, batch B; a restore to the noted moment holds the old data
// and A but not B. The source's WAL is in its archive (under wal/<id>/ of the backup storage),
// the restored instance archives its own, and requests that cannot be served are refused before
// anything is created. Run through the file driver, and through a JetStream object store.
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupService, type Backup } from "../../gen/proto/hoard/v1/backup_pb.js";
import { InstanceStatus, type Instance } from "../../gen/proto/hoard/v1/instance_pb.js";
import { createNatsStorage } from "../../services/platform/backup/index.js";
import { engines, failure, pw, user, waitBackup } from "./backup-helpers.js";
import { connectClient, serviceClient } from "./clients.js";
import { waitForStatus } from "./instance-status.js";
import { createStack, psql, waitUntil, type Stack } from "./harness.js";

const pg = engines.postgresql;
const digestUpTo = async (i: Instance, last: number) =>
  (await psql(i.host, i.port, "app", pw, "appdb", `select count(*) || ' ' || md5(string_agg(id || ':' || v, ',' order by id)) from t where id <= ${last}`)).stdout;

/** The server's own clock, so the test does not depend on the host's and the server's agreeing to the millisecond. */
async function serverNow(i: Instance): Promise<Date> {
  const out = await psql(i.host, i.port, "app", pw, "appdb", `select to_char(clock_timestamp() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);
  expect(out.code).toBe(0);
  return new Date(out.stdout.trim());
}

interface Driver {
  env: Record<string, string>;
  /** Names of the WAL archive's objects of one instance. */
  walFiles(stack: Stack, instanceId: string): Promise<string[]>;
}

const drivers: Record<"file" | "nats", Driver> = {
  file: {
    env: { HOARD_READOPT_MS: "1000" }, // a killed agent is started again within a second
    async walFiles(stack, instanceId) {
      return fs.readdirSync(path.join(stack.home, "backups", "wal", instanceId), { withFileTypes: true }).filter((e) => e.isFile() && !e.name.startsWith(".")).map((e) => e.name);
    },
  },
  nats: {
    env: { HOARD_BACKUP_STORAGE: "nats", HOARD_BACKUP_BUCKET: "hoard-e2e-pitr" },
    async walFiles(stack, instanceId) {
      const nc = await connect({ servers: stack.env.HOARD_NATS_URL ?? "" });
      try {
        const storage = await createNatsStorage(nc, { bucket: "hoard-e2e-pitr" });
        return (await storage.list(`wal/${instanceId}/`)).map((key) => path.basename(key));
      } finally {
        await nc.close();
      }
    },
  },
};

describe.each(Object.entries(drivers))("point-in-time restore through the %s driver", (kind, driver) => {
  let stack: Stack;
  let source: Instance;
  let backup: Backup;
  let noted: Date;
  let atNoted: string;
  let copy: Instance;
  const name = `pitr-${kind}`;

  beforeAll(async () => {
    stack = await createStack({ env: driver.env });
    const client = connectClient(stack.url, stack.token);
    const created = await client.createInstance({ name, flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql", databases: [{ name: "appdb" }], users: [user] });
    source = await waitForStatus(stack, created.instance?.id ?? "", InstanceStatus.ACTIVE);
    expect((await pg.write(source, 1, 1000)).code).toBe(0);
    const backups = serviceClient(BackupService, stack.url, stack.token);
    backup = await waitBackup(stack, (await backups.createBackup({ instance: name, name: `${name}-full` })).backup?.id ?? "");
    await waitForStatus(stack, source.id, InstanceStatus.ACTIVE);
    expect((await pg.write(source, 1001, 1100)).code).toBe(0); // batch A
    noted = await serverNow(source);
    atNoted = await digestUpTo(source, 1100);
    await sleep(1500);
    expect((await pg.write(source, 1101, 1200)).code).toBe(0); // batch B
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("restores to the noted moment: the data from before the backup and batch A, not batch B", async () => {
    const client = connectClient(stack.url, stack.token);
    expect(await digestUpTo(source, 1200)).not.toBe(atNoted);
    const created = await client.createInstance({
      name: `${name}-at`,
      flavor: "tiny",
      volumeSizeGb: 1,
      datastore: "postgresql",
      backup: backup.id,
      restoreTime: timestampFromDate(noted),
    });
    copy = await waitForStatus(stack, created.instance?.id ?? "", InstanceStatus.ACTIVE, 180_000);
    expect(await pg.digest(copy)).toBe(atNoted);
    expect(await digestUpTo(copy, 1000)).toBe(await digestUpTo(source, 1000));
    // Promoted and writable, with this instance's own admin password in place.
    expect((await pg.write(copy, 5001, 5001)).code).toBe(0);

    // The source's WAL is in its archive; the copy, on a timeline of its own, archives under its own id.
    expect((await driver.walFiles(stack, source.id)).filter((f) => /^[0-9A-F]{24}$/.test(f)).length).toBeGreaterThan(0);
    const own = await waitUntil(
      async () => {
        const files = await driver.walFiles(stack, copy.id).catch((): string[] => []);
        return files.includes("00000002.history") ? files : undefined;
      },
      "the restored instance's WAL in its own archive",
      30_000,
      200,
    );
    expect(own.length).toBeGreaterThan(0);
  });

  // The choice of backup, later timelines and the fault are the same for every driver: one shows them.
  it.skipIf(kind !== "file")("restores a restored instance to a point in time too (its backup and WAL are on timeline 2)", async () => {
    const client = connectClient(stack.url, stack.token);
    const backups = serviceClient(BackupService, stack.url, stack.token);
    const copyName = `${name}-at`;
    const full = await waitBackup(stack, (await backups.createBackup({ instance: copyName, name: `${copyName}-full` })).backup?.id ?? "");
    await waitForStatus(stack, copy.id, InstanceStatus.ACTIVE);
    expect((await pg.write(copy, 6001, 6050)).code).toBe(0);
    const moment = await serverNow(copy);
    const atMoment = await digestUpTo(copy, 6050);
    await sleep(1500);
    expect((await pg.write(copy, 6051, 6100)).code).toBe(0);
    const created = await client.createInstance({ name: `${name}-again`, flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql", backup: full.id, restoreTime: timestampFromDate(moment) });
    const again = await waitForStatus(stack, created.instance?.id ?? "", InstanceStatus.ACTIVE, 180_000);
    expect(await pg.digest(again)).toBe(atMoment);
  });

  // The choice of backup and the fault are the gateway's and the agent's, the same for every driver: one shows them.
  it.skipIf(kind !== "file")("with restore_source_instance, starts from that instance's newest backup before the moment", async () => {
    const client = connectClient(stack.url, stack.token);
    const created = await client.createInstance({
      name: `${name}-by-src`,
      flavor: "tiny",
      volumeSizeGb: 1,
      datastore: "postgresql",
      restoreSourceInstance: name,
      restoreTime: timestampFromDate(noted),
    });
    expect(created.instance).toBeDefined();
    const copy = await waitForStatus(stack, created.instance?.id ?? "", InstanceStatus.ACTIVE, 180_000);
    expect(await pg.digest(copy)).toBe(atNoted);
  });

  it("refuses a moment in the future, before the backup, or on an engine without point-in-time restores", async () => {
    const client = connectClient(stack.url, stack.token);
    const ask = (extra: Record<string, unknown>) =>
      failure(client.createInstance({ name: `${name}-no`, flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql", backup: backup.id, ...extra }));
    const future = await ask({ restoreTime: timestampFromDate(new Date(Date.now() + 3_600_000)) });
    expect(future?.code).toBe(Code.InvalidArgument);
    expect(future?.rawMessage).toContain("in the future");
    const early = await ask({ restoreTime: timestampFromDate(new Date((backup.completedAt ? Number(backup.completedAt.seconds) * 1000 : Date.now()) - 60_000)) });
    expect(early?.code).toBe(Code.FailedPrecondition);
    const redis = await ask({ datastore: "redis", restoreTime: timestampFromDate(noted) });
    expect(redis?.code).toBe(Code.InvalidArgument);
    expect(redis?.rawMessage).toMatch(/redis has no point-in-time restore/);
    const noBackupBefore = await failure(
      client.createInstance({ name: `${name}-no`, flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql", restoreSourceInstance: name, restoreTime: timestampFromDate(new Date(Date.now() - 86_400_000)) }),
    );
    expect(noBackupBefore?.code).toBe(Code.FailedPrecondition);
    expect((await client.listInstances({})).instances.map((i) => i.name)).not.toContain(`${name}-no`);
  });

  it.skipIf(kind !== "file")("an agent started again after a crash still archives its instance's WAL (it remembers its archive)", async () => {
    const pidFile = path.join(stack.home, "instances", source.id, "run", "agent.pid");
    const agentPid = () => Number(fs.readFileSync(pidFile, "utf8").trim());
    const before = agentPid();
    process.kill(before, "SIGKILL");
    await waitUntil(async () => (agentPid() !== before ? true : undefined), "the agent started again", 60_000, 100);
    await waitForStatus(stack, source.id, InstanceStatus.ACTIVE);
    expect((await pg.write(source, 7001, 7010)).code).toBe(0);
    const moment = await serverNow(source);
    const atMoment = await pg.digest(source);
    // Only the new agent can archive these rows' WAL (FlushWal at restore): the copy has them if it did.
    const client = connectClient(stack.url, stack.token);
    const created = await client.createInstance({ name: `${name}-after-crash`, flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql", backup: backup.id, restoreTime: timestampFromDate(moment) });
    const restored = await waitForStatus(stack, created.instance?.id ?? "", InstanceStatus.ACTIVE, 180_000);
    expect(await pg.digest(restored)).toBe(atMoment);
  });

  it.skipIf(kind !== "file")("fails with a fault naming the time when the archive of a deleted source does not reach it", async () => {
    const client = connectClient(stack.url, stack.token);
    await client.deleteInstance({ id: source.id });
    await waitUntil(async () => ((await failure(client.getInstance({ id: source.id })))?.code === Code.NotFound ? true : undefined), "source deleted", 60_000, 200);
    await sleep(1000);
    const late = new Date(Date.now() - 200);
    const created = await client.createInstance({ name: `${name}-late`, flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql", backup: backup.id, restoreTime: timestampFromDate(late) });
    const failed = await waitForStatus(stack, created.instance?.id ?? "", InstanceStatus.ERROR, 180_000);
    expect(failed.fault?.message).toContain("WAL archive does not reach");
    expect(failed.fault?.message).toContain(late.toISOString());
  });
});
