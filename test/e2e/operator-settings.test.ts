// Settings through REST and the operator's tools: an instance created with a configuration group,
// allowed CIDRs and deletion protection; the parameter catalogue replaced with hoard-manage;
// reset-status and force-delete as an operator uses them on a real instance.
import fs from "node:fs";
import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InstanceStatus } from "../../gen/proto/hoard/v1/instance_pb.js";
import { ManageService } from "../../gen/proto/hoard/v1/manage_pb.js";
import { connectClient, curl, serviceClient } from "./clients.js";
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

function codeOf(call: Promise<unknown>) {
  return call.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
}

describe("settings through REST and hoard-manage", () => {
  it("creates an instance with a group, CIDRs and deletion protection over REST; reset-status and force-delete", async () => {
    const params = await curl("GET", `${stack.url}/v1/datastores/postgresql/versions/15/parameters`, stack.token);
    expect(params.status).toBe(200);
    expect((params.json.parameters as unknown[]).length).toBeGreaterThanOrEqual(25);

    const bad = await curl("POST", `${stack.url}/v1/configurations`, stack.token, {
      name: "bad",
      datastore: "postgresql",
      values: { work_mem: -5, random_page_cost: "x", nope: true },
    });
    expect(bad.status).toBe(400);
    for (const key of ["work_mem", "random_page_cost", "nope"]) expect(JSON.stringify(bad.json)).toContain(key);

    const group = await curl("POST", `${stack.url}/v1/configurations`, stack.token, { name: "rest-tune", datastore: "postgresql", values: { work_mem: 6144 } });
    expect(group.status).toBe(200);

    const created = await curl("POST", `${stack.url}/v1/instances`, stack.token, {
      name: "guarded",
      flavor: "tiny",
      volume_size_gb: 1,
      datastore: "postgresql",
      databases: [{ name: "appdb" }],
      users: [{ name: "app", password: pw, databases: ["appdb"] }],
      configuration: "rest-tune",
      allowed_cidrs: ["127.0.0.0/8"],
      deletion_protection: true,
    });
    expect(created.status).toBe(200);
    const id = (created.json.instance as { id: string }).id;
    const active = await waitForStatus(stack, id, InstanceStatus.ACTIVE);
    expect(active).toMatchObject({ configurationName: "rest-tune", allowedCidrs: ["127.0.0.0/8"], deletionProtection: true });
    expect((await psql(active.host, active.port, "app", pw, "appdb", "show work_mem")).stdout).toBe("6MB");
    const effective = await curl("GET", `${stack.url}/v1/instances/${id}/configuration`, stack.token);
    expect(effective.json.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: "work_mem", value: "6144", configured: "6144" })]));

    const admin = serviceClient(ManageService, stack.url, stack.token);
    expect((await codeOf(admin.forceDeleteInstance({ id })))?.code).toBe(Code.FailedPrecondition);
    const unprotected = await curl("PATCH", `${stack.url}/v1/instances/${id}`, stack.token, { deletion_protection: false });
    expect(unprotected.status).toBe(200);

    expect((await stack.manage(["instance", "reset-status", id])).code).toBe(0);
    const { events } = await connectClient(stack.url, stack.token).listInstanceEvents({ id });
    expect(events[0]?.kind).toBe("RESET_STATUS");
    // ERROR ("waiting for the guest agent") until the next heartbeat says how the server really is.
    const client = connectClient(stack.url, stack.token);
    await waitUntil(async () => ((await client.getInstance({ id })).instance?.status === InstanceStatus.ACTIVE ? true : undefined), "ACTIVE after reset", 30_000);

    const forced = await stack.manage(["instance", "force-delete", id]);
    expect(forced.code, forced.stderr).toBe(0);
    await waitUntil(async () => ((await codeOf(connectClient(stack.url, stack.token).getInstance({ id })))?.code === Code.NotFound ? true : undefined), "deleted", 60_000);
    expect(fs.existsSync(path.join(stack.home, "instances", id))).toBe(false);
    expect((await curl("DELETE", `${stack.url}/v1/configurations/rest-tune`, stack.token)).status).toBe(200);
  });

  it("an operator replaces a version's parameter catalogue; groups are checked against the new one", async () => {
    const bundled = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, "../../catalogue/parameters/postgresql-15.json"), "utf8")) as {
      parameters: { name: string }[];
    };
    const narrowed = { ...bundled, parameters: bundled.parameters.filter((p) => p.name !== "work_mem") };
    const file = path.join(stack.home, "narrowed.json");
    fs.writeFileSync(file, JSON.stringify(narrowed));
    const loaded = await stack.manage(["datastore", "version", "parameters", "load", "postgresql", "15", file]);
    expect(loaded.code, loaded.stderr).toBe(0);
    const refused = await curl("POST", `${stack.url}/v1/configurations`, stack.token, { name: "wm", datastore: "postgresql", values: { work_mem: 4096 } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.json)).toContain("unknown parameter");

    fs.writeFileSync(file, JSON.stringify({ ...bundled, parameters: [{ name: "x", type: "integer" }] }));
    const malformed = await stack.manage(["datastore", "version", "parameters", "load", "postgresql", "15", file]);
    expect(malformed.code).not.toBe(0);
    expect(malformed.stderr).toContain("min");

    const restored = await stack.manage(["datastore", "version", "parameters", "load", "postgresql", "15", path.resolve(import.meta.dirname, "../../catalogue/parameters/postgresql-15.json")]);
    expect(restored.code, restored.stderr).toBe(0);
    const accepted = await curl("POST", `${stack.url}/v1/configurations`, stack.token, { name: "wm", datastore: "postgresql", values: { work_mem: 4096 } });
    expect(accepted.status).toBe(200);
  });
});
