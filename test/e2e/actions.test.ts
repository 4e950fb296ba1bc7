// Instance actions on a real server: stop makes the port refuse, start brings it back with its
// data, rename keeps everything else, and the event history says what happened.
import net from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InstanceStatus } from "../../gen/proto/hoard/v1/instance_pb.js";
import { connectClient } from "./clients.js";
import { waitForStatus } from "./instance-status.js";
import { createStack, psql, type Stack } from "./harness.js";

let stack: Stack;
const pw = "S3cret-pw";

beforeAll(async () => {
  stack = await createStack();
});

afterAll(async () => {
  await stack?.cleanup();
});

function refuses(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => (socket.destroy(), resolve(false)));
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "ECONNREFUSED"));
  });
}

describe("instance actions", () => {
  it("stop refuses connections, start brings the server back with its data; rename and events", async () => {
    const client = connectClient(stack.url, stack.token);
    const { instance } = await client.createInstance({
      name: "act1", flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql",
      databases: [{ name: "appdb" }], users: [{ name: "app", password: pw, databases: ["appdb"] }],
    });
    const id = instance?.id ?? "";
    const active = await waitForStatus(stack, id, InstanceStatus.ACTIVE);
    expect((await psql(active.host, active.port, "app", pw, "appdb", "create table t (v int); insert into t values (42)")).code).toBe(0);

    await client.stopInstance({ id: "act1" });
    const busy = await client.restartInstance({ id: "act1" }).then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(busy?.code).toBe(Code.FailedPrecondition);
    expect(busy?.rawMessage).toContain("STOPPING");
    await waitForStatus(stack, id, InstanceStatus.SHUTDOWN);
    expect(await refuses(active.host, active.port)).toBe(true);

    await client.startInstance({ id: "act1" });
    await waitForStatus(stack, id, InstanceStatus.ACTIVE);
    expect(await psql(active.host, active.port, "app", pw, "appdb", "select v from t")).toMatchObject({ code: 0, stdout: "42" });

    const renamed = (await client.updateInstance({ id: "act1", name: "act-renamed" })).instance;
    expect(renamed?.name).toBe("act-renamed");
    expect((await client.getInstance({ id: "act-renamed" })).instance?.id).toBe(id);
    const gone = await client.getInstance({ id: "act1" }).then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(gone?.code).toBe(Code.NotFound);

    const { events } = await client.listInstanceEvents({ id });
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(["CREATE", "STOP", "START"]));
    expect(events[0]?.kind).toBe("START");

    await client.deleteInstance({ id });
  });

  it("rename to a taken name is ALREADY_EXISTS and changes nothing", async () => {
    const client = connectClient(stack.url, stack.token);
    await client.createInstance({ name: "twin-a", flavor: "tiny", volumeSizeGb: 1, datastore: "redis" });
    await client.createInstance({ name: "twin-b", flavor: "tiny", volumeSizeGb: 1, datastore: "redis" });
    const err = await client.updateInstance({ id: "twin-a", name: "twin-b" }).then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(err?.code).toBe(Code.AlreadyExists);
    expect((await client.getInstance({ id: "twin-a" })).instance?.name).toBe("twin-a");
    await waitForStatus(stack, "twin-a", InstanceStatus.ACTIVE);
    await waitForStatus(stack, "twin-b", InstanceStatus.ACTIVE);
  });
});
