// A create that cannot finish must end, not hang: here the guest agent never answers, so the
// instance reaches ERROR with a fault naming the step, and its compute is given back at once.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InstanceStatus } from "../../gen/proto/hoard/v1/instance_pb.js";
import { connectClient } from "./clients.js";
import { createStack, processesMentioning, waitUntil, type Stack } from "./harness.js";

let stack: Stack;

beforeAll(async () => {
  // An "agent" that starts and never connects to NATS.
  stack = await createStack({
    env: { HOARD_AGENT_COMMAND: JSON.stringify(["/bin/sleep", "600"]), HOARD_AGENT_CONNECT_TIMEOUT_MS: "3000" },
  });
});

afterAll(async () => {
  await stack?.cleanup();
});

describe("a create that cannot finish", () => {
  it("ends in ERROR with a readable fault, leaves no process or directory, and can be deleted", async () => {
    const client = connectClient(stack.url, stack.token);
    const { instance } = await client.createInstance({ name: "doomed", flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql" });
    const failed = await waitUntil(async () => {
      const got = (await client.getInstance({ id: "doomed" })).instance;
      return got?.status === InstanceStatus.ERROR ? got : undefined;
    }, "doomed ERROR", 60_000, 200);
    expect(failed.fault?.message).toContain("guest agent");
    expect(failed.fault?.details).toContain("connect-agent");
    expect(processesMentioning(instance?.id ?? "none")).toEqual([]);
    expect(fs.existsSync(path.join(stack.home, "instances", instance?.id ?? "none"))).toBe(false);

    const shown = await stack.hoard(["instance", "show", "doomed", "-f", "json"]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: "ERROR", fault: { message: failed.fault?.message } });
    expect((await stack.hoard(["instance", "delete", "doomed", "--wait"])).code).toBe(0);
  });
});
