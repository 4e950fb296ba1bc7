// The production shape: the control plane keeps its state in PostgreSQL (DATABASE_URL), with
// each service in its own process. Migrations run on start-up and the same lifecycle works.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InstanceStatus } from "../../gen/proto/hoard/v1/instance_pb.js";
import { connectClient } from "./clients.js";
import { createStack, psql, waitUntil, type Stack } from "./harness.js";
import { startPrivatePostgres, type PrivatePostgres } from "./private-postgres.js";

let state: PrivatePostgres;
let stack: Stack;

beforeAll(async () => {
  state = await startPrivatePostgres();
  stack = await createStack({ mode: "separate", env: { DATABASE_URL: state.url } });
});

afterAll(async () => {
  await stack?.cleanup();
  await state?.stop();
});

describe("state in PostgreSQL", () => {
  it("creates, serves and deletes an instance", async () => {
    const client = connectClient(stack.url, stack.token);
    await client.createInstance({ name: "pgstate1", flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql", databases: [{ name: "appdb" }], users: [{ name: "app", password: "S3cret-pw", databases: ["appdb"] }] });
    const active = await waitUntil(async () => {
      const { instance } = await client.getInstance({ id: "pgstate1" });
      return instance?.status === InstanceStatus.ACTIVE ? instance : undefined;
    }, "pgstate1 ACTIVE", 120_000, 200);
    expect(await psql(active.host, active.port, "app", "S3cret-pw", "appdb", "select 1")).toMatchObject({ code: 0, stdout: "1" });
    await client.deleteInstance({ id: "pgstate1" });
    await waitUntil(async () => ((await client.listInstances({})).instances.length === 0 ? true : undefined), "pgstate1 deleted", 120_000, 200);
  });
});
