// Resize, configuration groups and allowed CIDRs on MariaDB and Redis, checked through each
// engine's own client: @@innodb_buffer_pool_size and CONFIG GET maxmemory follow the flavor, a
// dynamic group parameter is live at once, and CIDRs excluding loopback lock a loopback client out.
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigurationService } from "../../gen/proto/hoard/v1/configuration_pb.js";
import { InstanceStatus } from "../../gen/proto/hoard/v1/instance_pb.js";
import { RootService } from "../../gen/proto/hoard/v1/root_pb.js";
import { connectClient, serviceClient } from "./clients.js";
import { mariadb, redisCli } from "./engine-clients.js";
import { waitForStatus } from "./instance-status.js";
import { createStack, type Stack } from "./harness.js";

let stack: Stack;
const pw = "S3cret-pw";

beforeAll(async () => {
  stack = await createStack();
});

afterAll(async () => {
  await stack?.cleanup();
});

async function create(name: string, datastore: string, extra: { users?: { name: string; password: string; databases: string[] }[]; databases?: { name: string }[] } = {}) {
  const client = connectClient(stack.url, stack.token);
  const { instance } = await client.createInstance({ name, flavor: "tiny", volumeSizeGb: 1, datastore, ...extra });
  return waitForStatus(stack, instance?.id ?? "", InstanceStatus.ACTIVE);
}

describe("instance settings on MariaDB and Redis", () => {
  it("MariaDB: resize flavor grows the buffer pool; a group applies live; CIDRs lock loopback out and back in", async () => {
    const client = connectClient(stack.url, stack.token);
    const groups = serviceClient(ConfigurationService, stack.url, stack.token);
    const db = await create("maria", "mariadb", { databases: [{ name: "shop" }], users: [{ name: "app", password: pw, databases: ["shop"] }] });
    const q = (sql: string) => mariadb(db.host, db.port, "app", pw, "shop", sql);
    const poolBefore = Number((await q("select @@innodb_buffer_pool_size")).stdout);
    expect(poolBefore).toBeGreaterThan(0);

    await client.resizeInstance({ id: "maria", flavor: "small" });
    await waitForStatus(stack, db.id, InstanceStatus.ACTIVE);
    expect(Number((await q("select @@innodb_buffer_pool_size")).stdout)).toBeGreaterThan(poolBefore);

    await groups.createConfiguration({ name: "maria-tune", datastore: "mariadb", values: { wait_timeout: 1234, long_query_time: 2.5 } });
    await client.updateInstance({ id: "maria", configuration: "maria-tune" });
    await waitForStatus(stack, db.id, InstanceStatus.ACTIVE);
    expect((await q("select @@global.wait_timeout, @@global.long_query_time")).stdout).toBe("1234\t2.500000");

    await client.updateInstance({ id: "maria", allowedCidrs: { cidrs: ["10.0.0.0/8"] } });
    await waitForStatus(stack, db.id, InstanceStatus.ACTIVE);
    const refused = await q("select 1");
    expect(refused.code).not.toBe(0);
    await client.updateInstance({ id: "maria", allowedCidrs: { cidrs: [] } });
    await waitForStatus(stack, db.id, InstanceStatus.ACTIVE);
    expect((await q("select 1")).stdout).toBe("1");
    await client.deleteInstance({ id: "maria" });
  });

  it("Redis: resize flavor raises maxmemory; a group applies live; CIDRs lock loopback out and back in", async () => {
    const client = connectClient(stack.url, stack.token);
    const groups = serviceClient(ConfigurationService, stack.url, stack.token);
    const cache = await create("cache", "redis");
    const root = await serviceClient(RootService, stack.url, stack.token).enableRoot({ instanceId: "cache" });
    const cli = (...args: string[]) => redisCli(cache.host, cache.port, root.name, root.password, ...args);
    const maxmemory = async () => Number((await cli("CONFIG", "GET", "maxmemory")).stdout.split("\n")[1]);
    const before = await maxmemory();
    expect(before).toBeGreaterThan(0);

    await client.resizeInstance({ id: "cache", flavor: "small" });
    await waitForStatus(stack, cache.id, InstanceStatus.ACTIVE);
    expect(await maxmemory()).toBeGreaterThan(before);

    const wrongEngine = await groups
      .createConfiguration({ name: "bad-redis", datastore: "redis", values: { work_mem: 4096 } })
      .then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(wrongEngine?.code).toBe(Code.InvalidArgument);

    await groups.createConfiguration({ name: "redis-lru", datastore: "redis", values: { "maxmemory-policy": "allkeys-lru" } });
    await client.updateInstance({ id: "cache", configuration: "redis-lru" });
    await waitForStatus(stack, cache.id, InstanceStatus.ACTIVE);
    expect((await cli("CONFIG", "GET", "maxmemory-policy")).stdout).toBe("maxmemory-policy\nallkeys-lru");

    if (process.getuid?.() === 0) {
      await client.updateInstance({ id: "cache", allowedCidrs: { cidrs: ["10.0.0.0/8"] } });
      await waitForStatus(stack, cache.id, InstanceStatus.ACTIVE);
      expect((await cli("PING")).stdout).not.toBe("PONG");
      await client.updateInstance({ id: "cache", allowedCidrs: { cidrs: [] } });
      await waitForStatus(stack, cache.id, InstanceStatus.ACTIVE);
      expect((await cli("PING")).stdout).toBe("PONG");
    }
    await client.deleteInstance({ id: "cache" });
  });
});
