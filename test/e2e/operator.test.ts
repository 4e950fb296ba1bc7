// The operator's catalogue and access through hoard-manage and the CLI against a real stack:
// tokens for a new project, roles, inactive versions, flavors in use, revocation.
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManageService } from "../../gen/proto/hoard/v1/manage_pb.js";
import { connectClient, serviceClient } from "./clients.js";
import { createStack, logsContaining, psql, type Stack } from "./harness.js";

let stack: Stack;

beforeAll(async () => {
  stack = await createStack();
});

afterAll(async () => {
  await stack?.cleanup();
});

function codeOf(call: Promise<unknown>) {
  return call.then(() => undefined, (e: unknown) => ConnectError.from(e));
}

describe("operators", () => {
  let memberToken = "";
  let readerToken = "";
  let tokenId = "";

  it("create a project and tokens for it; a member uses Hoard, a reader only reads, neither manages", async () => {
    expect((await stack.manage(["project", "create", "acme"])).code).toBe(0);
    const member = JSON.parse((await stack.manage(["token", "create", "acme", "--name", "ci", "--roles", "member", "-f", "json"])).stdout) as { secret: string; id: string };
    memberToken = member.secret;
    tokenId = member.id;
    readerToken = (JSON.parse((await stack.manage(["token", "create", "acme", "--name", "viewer", "--roles", "reader", "-f", "json"])).stdout) as { secret: string }).secret;

    const asMember = connectClient(stack.url, memberToken);
    expect((await asMember.listInstances({})).instances).toEqual([]);
    const denied = await codeOf(serviceClient(ManageService, stack.url, memberToken).listProjects({}));
    expect(denied?.code).toBe(Code.PermissionDenied);
    const readerCreate = await codeOf(connectClient(stack.url, readerToken).createInstance({ name: "r1", flavor: "tiny", volumeSizeGb: 1, datastore: "redis" }));
    expect(readerCreate?.code).toBe(Code.PermissionDenied);
    expect((await stack.hoard(["datastore", "list", "-f", "json"], { HOARD_TOKEN: readerToken })).code).toBe(0);
  });

  it("an inactive version cannot be used for new instances; active again, it can", async () => {
    expect((await stack.manage(["datastore", "version", "update", "redis", "7", "--inactive"])).code).toBe(0);
    const asMember = connectClient(stack.url, memberToken);
    const refused = await codeOf(asMember.createInstance({ name: "r1", flavor: "tiny", volumeSizeGb: 1, datastore: "redis", datastoreVersion: "7" }));
    expect(refused?.code).toBe(Code.FailedPrecondition);
    expect(refused?.rawMessage).toContain("not active");
    const listed = JSON.parse((await stack.hoard(["datastore", "list", "-f", "json"], { HOARD_TOKEN: memberToken })).stdout) as { name: string; versions?: unknown[] }[];
    expect(listed.find((d) => d.name === "redis")?.versions ?? []).toEqual([]);
    expect((await stack.manage(["datastore", "version", "update", "redis", "7", "--active"])).code).toBe(0);
    await asMember.createInstance({ name: "r1", flavor: "tiny", volumeSizeGb: 1, datastore: "redis", datastoreVersion: "7" });
  });

  it("a new flavor works for creates and cannot be deleted while used", async () => {
    expect((await stack.manage(["flavor", "create", "pico", "--vcpus", "1", "--ram", "256", "--id", "9"])).code).toBe(0);
    const created = await stack.hoard(["instance", "create", "pg-pico", "--flavor", "9", "--size", "1", "--datastore", "postgresql", "--databases", "appdb", "--users", "app:S3cret-pw", "--wait"], { HOARD_TOKEN: memberToken });
    expect(created.code, created.stderr).toBe(0);
    const inUse = await stack.manage(["flavor", "delete", "pico"]);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toContain("failed_precondition");
  });

  it("the CLI manages databases, users and root on that instance", async () => {
    const env = { HOARD_TOKEN: memberToken };
    expect((await stack.hoard(["database", "create", "pg-pico", "shop"], env)).code).toBe(0);
    expect((await stack.hoard(["user", "create", "pg-pico", "carol", "Car0l-secret", "--databases", "shop"], env)).code).toBe(0);
    const shown = JSON.parse((await stack.hoard(["instance", "show", "pg-pico", "-f", "json"], env)).stdout) as { host: string; port: number };
    expect(await psql(shown.host, shown.port, "carol", "Car0l-secret", "shop", "select 1")).toMatchObject({ code: 0, stdout: "1" });
    expect((await stack.hoard(["user", "revoke", "pg-pico", "carol", "shop"], env)).code).toBe(0);
    expect((await psql(shown.host, shown.port, "carol", "Car0l-secret", "shop", "select 1")).stderr).toContain("permission denied");
    const root = JSON.parse((await stack.hoard(["root", "enable", "pg-pico", "-f", "json"], env)).stdout) as { name: string; password: string };
    expect(await psql(shown.host, shown.port, root.name, root.password, "postgres", "select 1")).toMatchObject({ code: 0 });
    const listed = await stack.hoard(["user", "list", "pg-pico", "-f", "json"], env);
    expect(listed.stdout).not.toContain("Car0l-secret");
    expect(logsContaining(stack.home, "Car0l-secret")).toEqual([]);
    expect(logsContaining(stack.home, root.password)).toEqual([]);
  });

  it("a revoked token stops working at once", async () => {
    expect((await stack.manage(["token", "revoke", tokenId])).code).toBe(0);
    const err = await codeOf(connectClient(stack.url, memberToken).listInstances({}));
    expect(err?.code).toBe(Code.Unauthenticated);
  });
});
