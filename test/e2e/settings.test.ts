// Settings of a running PostgreSQL instance, checked the way its user sees them: psql answers with
// the new memory settings after a flavor resize, a grown volume takes a write bigger than its old
// free space, configuration groups change what SHOW reports (live, or after the restart the
// instance asks for), allowed CIDRs lock a loopback client out and let it back in, deletion
// protection holds, and the slow query log shows a slow statement.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigurationService } from "../../gen/proto/hoard/v1/configuration_pb.js";
import { InstanceStatus, type Instance } from "../../gen/proto/hoard/v1/instance_pb.js";
import { connectClient, serviceClient } from "./clients.js";
import { waitForStatus } from "./instance-status.js";
import { createStack, psql, waitUntil, type Stack } from "./harness.js";

let stack: Stack;
const pw = "S3cret-pw";

beforeAll(async () => {
  stack = await createStack();
});

afterAll(async () => {
  await stack?.cleanup();
});

function failure(promise: Promise<unknown>): Promise<ConnectError | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
}

async function show(instance: Instance, setting: string): Promise<string> {
  const r = await psql(instance.host, instance.port, "app", pw, "appdb", `show ${setting}`);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe("instance settings on PostgreSQL", () => {
  let instance: Instance;

  beforeAll(async () => {
    const client = connectClient(stack.url, stack.token);
    const created = await client.createInstance({
      name: "tuned",
      flavor: "tiny",
      volumeSizeGb: 1,
      datastore: "postgresql",
      databases: [{ name: "appdb" }],
      users: [{ name: "app", password: pw, databases: ["appdb"] }],
    });
    instance = await waitForStatus(stack, created.instance?.id ?? "", InstanceStatus.ACTIVE);
  });

  it("resize flavor recomputes the memory settings and restarts the server", async () => {
    const client = connectClient(stack.url, stack.token);
    expect(await show(instance, "shared_buffers")).toBe("128MB");
    const resizing = (await client.resizeInstance({ id: "tuned", flavor: "small" })).instance;
    expect(resizing?.status).toBe(InstanceStatus.RESIZE);
    const busy = await failure(client.restartInstance({ id: "tuned" }));
    expect(busy?.code).toBe(Code.FailedPrecondition);
    expect(busy?.rawMessage).toContain("RESIZING");
    const resized = await waitForStatus(stack, instance.id, InstanceStatus.ACTIVE);
    expect(resized.flavor).toBe("small");
    expect(await show(instance, "shared_buffers")).toBe("256MB");

    const same = await failure(client.resizeInstance({ id: "tuned", flavor: "small" }));
    expect(same?.code).toBe(Code.InvalidArgument);
  });

  it("resize volume grows it (online where the host allows) with the data kept; a write bigger than the old free space then succeeds; shrinking is refused", async () => {
    const client = connectClient(stack.url, stack.token);
    expect((await psql(instance.host, instance.port, "app", pw, "appdb", "create table kept (v text); insert into kept values ('before-grow')")).code).toBe(0);
    const volumeDir = path.join(stack.home, "instances", instance.id, "volume");
    const freeBytes = (): number => {
      const s = fs.statfsSync(volumeDir);
      return s.bavail * s.bsize;
    };
    const oldFree = freeBytes();
    const shrink = await failure(client.resizeInstanceVolume({ id: "tuned", sizeGb: 1 }));
    expect(shrink?.code).toBe(Code.InvalidArgument);
    expect(shrink?.rawMessage).toContain("only grow");

    await client.resizeInstanceVolume({ id: "tuned", sizeGb: 2 });
    const grown = await waitForStatus(stack, instance.id, InstanceStatus.ACTIVE);
    expect(grown.volume?.sizeGb).toBe(2);
    expect(Number(grown.volume?.totalBytes)).toBeGreaterThan(1.5 * 1024 ** 3);

    if (grown.volume?.kind === "loop") {
      const big = path.join(volumeDir, "bigger-than-old-free-space");
      execFileSync("fallocate", ["-l", String(oldFree + 64 * 1024 ** 2), big]);
      fs.rmSync(big);
    } else {
      expect(freeBytes()).toBeGreaterThan(0); // a directory volume has no size limit of its own
    }
    expect((await psql(instance.host, instance.port, "app", pw, "appdb", "select v from kept")).stdout).toBe("before-grow");
  });

  it("a configuration group applies dynamic parameters live and restart-required ones after a restart", async () => {
    const client = connectClient(stack.url, stack.token);
    const groups = serviceClient(ConfigurationService, stack.url, stack.token);

    const invalid = await failure(
      groups.createConfiguration({
        name: "broken",
        datastore: "postgresql",
        values: { no_such_parameter: 1, work_mem: "lots", max_connections: 99_999_999 },
      }),
    );
    expect(invalid?.code).toBe(Code.InvalidArgument);
    for (const key of ["no_such_parameter", "work_mem", "max_connections"]) expect(invalid?.rawMessage).toContain(key);
    expect((await groups.listConfigurations({})).configurations.map((c) => c.name)).not.toContain("broken");

    const group = (await groups.createConfiguration({ name: "pg-tune", datastore: "postgresql", values: { work_mem: 8192 } })).configuration;
    expect(group?.values).toEqual({ work_mem: 8192 });
    const pidBefore = await psql(instance.host, instance.port, "app", pw, "appdb", "select pg_postmaster_start_time()");

    await client.updateInstance({ id: "tuned", configuration: "pg-tune" });
    const attached = await waitForStatus(stack, instance.id, InstanceStatus.ACTIVE);
    expect(attached.configurationName).toBe("pg-tune");
    expect(await show(instance, "work_mem")).toBe("8MB");
    expect(await psql(instance.host, instance.port, "app", pw, "appdb", "select pg_postmaster_start_time()")).toEqual(pidBefore);
    expect((await groups.listConfigurationInstances({ id: "pg-tune" })).instances.map((i) => i.name)).toEqual(["tuned"]);

    const inUse = await failure(groups.deleteConfiguration({ id: "pg-tune" }));
    expect(inUse?.code).toBe(Code.FailedPrecondition);
    expect(inUse?.rawMessage).toContain("tuned");

    const badUpdate = await failure(groups.updateConfiguration({ id: "pg-tune", values: { max_connections: "many" } }));
    expect(badUpdate?.code).toBe(Code.InvalidArgument);

    await groups.updateConfiguration({ id: "pg-tune", values: { max_connections: 57 } });
    await waitForStatus(stack, instance.id, InstanceStatus.RESTART_REQUIRED);
    expect(await show(instance, "max_connections")).not.toBe("57");
    const effective = await client.getInstanceConfiguration({ id: "tuned" });
    expect(effective.parameters.find((p) => p.name === "max_connections")).toMatchObject({ configured: "57", restartRequired: true });

    await client.restartInstance({ id: "tuned" });
    await waitForStatus(stack, instance.id, InstanceStatus.ACTIVE);
    expect(await show(instance, "max_connections")).toBe("57");
    expect(await show(instance, "work_mem")).toBe("8MB");

    await client.updateInstance({ id: "tuned", configuration: "" });
    await waitForStatus(stack, instance.id, InstanceStatus.RESTART_REQUIRED); // max_connections goes back to its default at the next restart
    expect(await show(instance, "work_mem")).not.toBe("8MB");
    await client.restartInstance({ id: "tuned" });
    await waitForStatus(stack, instance.id, InstanceStatus.ACTIVE);
    await groups.deleteConfiguration({ id: "pg-tune" });
  });

  it("allowed CIDRs that exclude loopback lock a loopback client out; clearing them lets it back in", async () => {
    const client = connectClient(stack.url, stack.token);
    const bad = await failure(client.updateInstance({ id: "tuned", allowedCidrs: { cidrs: ["10.0.0.1/8"] } }));
    expect(bad?.code).toBe(Code.InvalidArgument);

    await client.updateInstance({ id: "tuned", allowedCidrs: { cidrs: ["10.0.0.0/8"] } });
    const locked = await waitForStatus(stack, instance.id, InstanceStatus.ACTIVE);
    expect(locked.allowedCidrs).toEqual(["10.0.0.0/8"]);
    const refused = await psql(instance.host, instance.port, "app", pw, "appdb", "select 1");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("no pg_hba.conf entry");

    await client.updateInstance({ id: "tuned", allowedCidrs: { cidrs: [] } });
    await waitForStatus(stack, instance.id, InstanceStatus.ACTIVE);
    expect((await psql(instance.host, instance.port, "app", pw, "appdb", "select 1")).stdout).toBe("1");
  });

  it("the slow query log shows a slow statement when log_min_duration_statement is set", async () => {
    const client = connectClient(stack.url, stack.token);
    const groups = serviceClient(ConfigurationService, stack.url, stack.token);
    await groups.createConfiguration({ name: "pg-slow", datastore: "postgresql", values: { log_min_duration_statement: 100 } });
    await client.updateInstance({ id: "tuned", configuration: "pg-slow" });
    await waitForStatus(stack, instance.id, InstanceStatus.ACTIVE);

    const logs = (await client.listInstanceLogs({ id: "tuned" })).logs;
    expect(logs.find((l) => l.name === "slow")?.enabled).toBe(true);
    const before = await client.readInstanceLog({ id: "tuned", name: "slow" });
    expect((await psql(instance.host, instance.port, "app", pw, "appdb", "select pg_sleep(0.3), 'slow-marker'")).code).toBe(0);
    const tail = await waitUntil(
      async () => {
        const chunk = await client.readInstanceLog({ id: "tuned", name: "slow", cursor: before.cursor });
        return chunk.text.includes("slow-marker") ? chunk : undefined;
      },
      "the slow statement in the slow log",
      20_000,
      200,
    );
    expect(tail.text).toContain("pg_sleep");

    const cli = await stack.hoard(["instance", "log", "tail", "tuned", "slow", "--lines", "20"]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain("slow-marker");

    const unknown = await failure(client.readInstanceLog({ id: "tuned", name: "nosuchlog" }));
    expect(unknown?.code).toBe(Code.NotFound);
  });

  it("a group the server cannot start with fails the restart with a fault; detaching it recovers the instance", async () => {
    const client = connectClient(stack.url, stack.token);
    const groups = serviceClient(ConfigurationService, stack.url, stack.token);
    // 100 GiB of shared buffers: valid for PostgreSQL, impossible for this instance to allocate.
    await groups.createConfiguration({ name: "pg-huge", datastore: "postgresql", values: { shared_buffers: 13_107_200 } });
    await client.updateInstance({ id: "tuned", configuration: "pg-huge" });
    await waitForStatus(stack, instance.id, InstanceStatus.RESTART_REQUIRED);

    await client.restartInstance({ id: "tuned" });
    const failed = await waitForStatus(stack, instance.id, InstanceStatus.ERROR);
    expect(failed.fault?.message).toContain("restart failed");

    // The server exists, so the failed instance takes new settings: no delete, no operator needed.
    await client.updateInstance({ id: "tuned", configuration: "" });
    await waitUntil(async () => ((await client.getInstance({ id: "tuned" })).instance?.task === "NONE" ? true : undefined), "detached", 60_000);
    await client.restartInstance({ id: "tuned" });
    const recovered = await waitForStatus(stack, instance.id, InstanceStatus.ACTIVE);
    expect(recovered.fault).toBeUndefined();
    expect((await psql(instance.host, instance.port, "app", pw, "appdb", "select v from kept")).stdout).toBe("before-grow");
    await groups.deleteConfiguration({ id: "pg-huge" });
  });

  it("deletion protection refuses delete until turned off", async () => {
    const client = connectClient(stack.url, stack.token);
    await client.updateInstance({ id: "tuned", deletionProtection: true });
    const refused = await failure(client.deleteInstance({ id: "tuned" }));
    expect(refused?.code).toBe(Code.FailedPrecondition);
    expect(refused?.rawMessage).toContain("deletion protection");
    expect((await client.getInstance({ id: "tuned" })).instance?.status).toBe(InstanceStatus.ACTIVE);

    await client.updateInstance({ id: "tuned", deletionProtection: false });
    await client.deleteInstance({ id: "tuned" });
  });
});
