// Backups and restores on real servers, checked the way their user would: known data, a backup,
// more writes, a restore into a new instance that holds exactly the data at the backup. A stored
// object with one flipped byte fails its restore naming the backup and never yields an ACTIVE
// instance; the same round trips and the same refusal of a damaged object hold through a JetStream
// object store.
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { Code } from "@connectrpc/connect";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupService } from "../../gen/proto/hoard/v1/backup_pb.js";
import { InstanceStatus } from "../../gen/proto/hoard/v1/instance_pb.js";
import { createNatsStorage } from "../../services/platform/backup/nats-storage.js";
import { engines, failure, user, waitBackup } from "./backup-helpers.js";
import { connectClient, serviceClient } from "./clients.js";
import { waitForStatus } from "./instance-status.js";
import { createStack, type Stack } from "./harness.js";

/** Create, write, back up, write more, restore; the restored instance has exactly the data at the backup. */
async function roundTrip(stack: Stack, datastore: keyof typeof engines, name: string) {
  const client = connectClient(stack.url, stack.token);
  const engine = engines[datastore];
  const created = await client.createInstance({
    name,
    flavor: "tiny",
    volumeSizeGb: 1,
    datastore,
    ...(datastore === "redis" ? { users: [{ ...user, databases: [] }] } : { databases: [{ name: "appdb" }], users: [user] }),
  });
  const source = await waitForStatus(stack, created.instance?.id ?? "", InstanceStatus.ACTIVE);
  expect((await engine.write(source, 1, 1000)).code).toBe(0);
  const atBackup = await engine.digest(source);

  const backups = serviceClient(BackupService, stack.url, stack.token);
  const started = (await backups.createBackup({ instance: name, name: `${name}-b1` })).backup;
  expect((await client.getInstance({ id: name })).instance?.status).toBe(InstanceStatus.BACKUP);
  const backup = await waitBackup(stack, started?.id ?? "");
  expect(backup.sizeBytes).toBeGreaterThan(0n);
  // Progress ends at 100%, with every byte the engine streamed as the bytes done.
  expect(backup.progressPercent).toBe(100);
  expect(backup.progressBytes).toBe(backup.sizeBytes);
  await waitForStatus(stack, source.id, InstanceStatus.ACTIVE);
  expect((await engine.write(source, 1001, 1200)).code).toBe(0);
  expect(await engine.digest(source)).not.toBe(atBackup);

  const restored = await client.createInstance({ name: `${name}-restored`, flavor: "tiny", volumeSizeGb: 1, datastore, backup: backup.id });
  const copy = await waitForStatus(stack, restored.instance?.id ?? "", InstanceStatus.ACTIVE);
  expect(copy.host).not.toBe(source.host);
  expect(await engine.digest(copy)).toBe(atBackup);
  return { source, copy, backup };
}

describe("backups through the file driver", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await createStack();
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  for (const datastore of ["postgresql", "mariadb", "redis"] as const) {
    it(`${datastore}: a restore holds exactly the data at the backup`, async () => {
      await roundTrip(stack, datastore, `bk-${datastore.slice(0, 5)}`);
    });
  }

  it("a flipped byte in a stored object fails the restore naming the backup; nothing ACTIVE comes of it", async () => {
    const client = connectClient(stack.url, stack.token);
    const backups = serviceClient(BackupService, stack.url, stack.token);
    const { backup } = await backups.getBackup({ id: "bk-postg-b1" });
    const object = path.join(stack.home, "backups", backup?.id ?? "", "full");
    const bytes = fs.readFileSync(object);
    const middle = Math.floor(bytes.length / 2);
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0x01, middle);
    fs.writeFileSync(object, bytes);

    const created = await client.createInstance({ name: "from-corrupt", flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql", backup: "bk-postg-b1" });
    const failed = await waitForStatus(stack, created.instance?.id ?? "", InstanceStatus.ERROR);
    expect(failed.fault?.message).toContain(`${backup?.id}/full`);
    expect(failed.fault?.message).toMatch(/corrupt|checksum|authentic/i);
    await client.deleteInstance({ id: "from-corrupt" });
  });

  it("refuses restores it cannot do, and deletes a backup with its stored objects", async () => {
    const client = connectClient(stack.url, stack.token);
    const backups = serviceClient(BackupService, stack.url, stack.token);
    const wrongEngine = await failure(client.createInstance({ name: "x1", flavor: "tiny", volumeSizeGb: 1, datastore: "mariadb", backup: "bk-postg-b1" }));
    expect(wrongEngine?.code).toBe(Code.FailedPrecondition);
    const withUsers = await failure(
      client.createInstance({ name: "x2", flavor: "tiny", volumeSizeGb: 1, datastore: "redis", backup: "bk-redis-b1", users: [{ ...user, databases: [] }] }),
    );
    expect(withUsers?.code).toBe(Code.InvalidArgument);
    const missing = await failure(client.createInstance({ name: "x3", flavor: "tiny", volumeSizeGb: 1, datastore: "redis", backup: "no-such-backup" }));
    expect(missing?.code).toBe(Code.NotFound);

    const { backup } = await backups.getBackup({ id: "bk-redis-b1" });
    expect((await backups.listBackups({ instance: "bk-redis" })).backups.map((b) => b.name)).toEqual(["bk-redis-b1"]);
    await backups.deleteBackup({ id: "bk-redis-b1" });
    expect(fs.existsSync(path.join(stack.home, "backups", backup?.id ?? "", "full"))).toBe(false);
    expect((await failure(backups.getBackup({ id: "bk-redis-b1" })))?.code).toBe(Code.NotFound);
  });
});

describe("backups through the nats driver", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await createStack({ env: { HOARD_BACKUP_STORAGE: "nats", HOARD_BACKUP_BUCKET: "hoard-e2e-backups" } });
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  for (const datastore of ["postgresql", "mariadb", "redis"] as const) {
    it(`${datastore}: a restore from the object store holds exactly the data at the backup`, async () => {
      const { backup } = await roundTrip(stack, datastore, `nats-${datastore.slice(0, 5)}`);
      expect(backup.storage).toBe("nats");
      expect(fs.existsSync(path.join(stack.home, "backups"))).toBe(false);
    });
  }

  it("a flipped byte in an object in the store fails the restore naming the backup; nothing ACTIVE comes of it", async () => {
    const client = connectClient(stack.url, stack.token);
    const backups = serviceClient(BackupService, stack.url, stack.token);
    const { backup } = await backups.getBackup({ id: "nats-postg-b1" });
    const key = `${backup?.id ?? ""}/full`;
    const nc = await connect({ servers: stack.env.HOARD_NATS_URL });
    try {
      // Rewritten in place through the store itself, so only the bytes differ from what was recorded.
      const storage = await createNatsStorage(nc, { bucket: "hoard-e2e-backups" });
      const chunks: Buffer[] = [];
      for await (const chunk of await storage.get(key)) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      const middle = Math.floor(bytes.length / 2);
      bytes.writeUInt8(bytes.readUInt8(middle) ^ 0x01, middle);
      await storage.put(key, Readable.from([bytes]));
    } finally {
      await nc.close();
    }

    const created = await client.createInstance({ name: "nats-corrupt", flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql", backup: "nats-postg-b1" });
    const failed = await waitForStatus(stack, created.instance?.id ?? "", InstanceStatus.ERROR);
    expect(failed.fault?.message).toContain(key);
    expect(failed.fault?.message).toMatch(/corrupt|checksum|authentic/i);
    await client.deleteInstance({ id: "nats-corrupt" });
  });
});
