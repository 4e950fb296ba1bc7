// A create whose engine hangs must still end: here the datastore version's binaries never answer,
// so the real guest agent hangs inside prepare. The create fails at its deadline with a fault
// saying so, its compute is given back, no hanging process outlives it, and it can be deleted.
import { Code, ConnectError } from "@connectrpc/connect";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InstanceStatus } from "../../gen/proto/hoard/v1/instance_pb.js";
import { ManageService } from "../../gen/proto/hoard/v1/manage_pb.js";
import { connectClient, serviceClient } from "./clients.js";
import { createStack, processesMentioning, waitUntil, type Stack } from "./harness.js";

let stack: Stack;
let binDir: string;

/** A PostgreSQL tool that neither answers nor exits; its children carry binDir in their environment. */
function hangingTool(dir: string): string {
  return `#!/bin/sh\nexport HOARD_TEST_HANGING_ENGINE=${dir}\nsleep 3600\n`;
}

beforeAll(async () => {
  binDir = fs.mkdtempSync(path.join(os.tmpdir(), "hoard-hang-bin-"));
  fs.chmodSync(binDir, 0o755); // the instance's own account runs initdb
  for (const tool of ["initdb", "postgres", "pg_ctl"]) {
    fs.writeFileSync(path.join(binDir, tool), hangingTool(binDir), { mode: 0o755 });
  }
  // Creates give up 45 s after they are submitted instead of after 10 minutes: room enough for
  // the agent to start on a busy machine, so the deadline strikes inside prepare.
  stack = await createStack({ env: { HOARD_TASK_DEADLINE_MS_CREATE: "45000" } });
});

afterAll(async () => {
  await stack?.cleanup();
  // Whatever the outcome, leave no hanging tool behind on this host.
  for (const pid of processesMentioning(binDir)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  fs.rmSync(binDir, { recursive: true, force: true });
});

describe("a create whose engine hangs during prepare", () => {
  it("ends in ERROR with a fault naming the deadline, leaves no process behind, and can be deleted", async () => {
    const manage = serviceClient(ManageService, stack.url, stack.token);
    await manage.createDatastoreVersion({ datastore: "postgresql", name: "hangs", manager: "postgresql", binDir, active: true, makeDefault: false });
    const client = connectClient(stack.url, stack.token);
    const { instance } = await client.createInstance({
      name: "stuck",
      flavor: "tiny",
      volumeSizeGb: 1,
      datastore: "postgresql",
      datastoreVersion: "hangs",
    });
    const id = instance?.id ?? "none";

    // The real agent got as far as running the engine's tools, which hang.
    await waitUntil(async () => (processesMentioning(binDir).length > 0 ? true : undefined), "the agent to run a hanging tool", 60_000, 200);
    expect((await client.getInstance({ id: "stuck" })).instance?.status).toBe(InstanceStatus.BUILD);

    const failed = await waitUntil(async () => {
      const got = (await client.getInstance({ id: "stuck" })).instance;
      return got?.status === InstanceStatus.ERROR ? got : undefined;
    }, "stuck ERROR", 120_000, 200);
    expect(failed.fault?.message).toMatch(/did not finish before its deadline/);
    expect(failed.fault?.message).toContain("step prepare");
    expect(failed.fault?.details).toContain("prepare");

    // Its compute is gone already: no agent, no hanging tool, no directory.
    expect(processesMentioning(id)).toEqual([]);
    expect(processesMentioning(binDir)).toEqual([]);
    expect(fs.existsSync(path.join(stack.home, "instances", id))).toBe(false);

    expect((await stack.hoard(["instance", "delete", "stuck", "--wait"])).code).toBe(0);
    const gone = await client.getInstance({ id: "stuck" }).then(
      () => undefined,
      (err: unknown) => ConnectError.from(err),
    );
    expect(gone?.code).toBe(Code.NotFound);
  }, 300_000);
});
