// Identity through the Keystone v3 endpoint, driven by Debian's real `openstack` client against a
// real stack: users made with hoard-manage log in with a password; the token works on Hoard's own
// API with the user's role; wrong passwords, revoked and expired tokens are refused.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigurationService } from "../../gen/proto/hoard/v1/configuration_pb.js";
import { connectClient, serviceClient } from "./clients.js";
import { createStack, type Stack } from "./harness.js";
import { expireToken } from "./token-helpers.js";

const run = promisify(execFile);

let stack: Stack;
let acmeId: string;
let clientHome: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The password credentials of a user of project acme, as OS_* variables. */
function credentials(user: string, password: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OS_AUTH_URL: `${stack.url}/v3`,
    OS_USERNAME: user,
    OS_PASSWORD: password,
    OS_PROJECT_NAME: "acme",
    OS_USER_DOMAIN_NAME: "Default",
    OS_PROJECT_DOMAIN_NAME: "Default",
    OS_IDENTITY_API_VERSION: "3",
    ...extra,
  };
}

/** The real `openstack` client, with only the given OS_* settings (no clouds.yaml, no inherited OS_*). */
async function openstack(args: string[], os: Record<string, string>): Promise<Result> {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: clientHome, LANG: "C.UTF-8", ...os };
  try {
    const { stdout, stderr } = await run("/usr/bin/python3", ["/usr/bin/openstack", ...args], { env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

async function issue(user: string, password: string): Promise<{ id: string; project_id: string; user_id: string; expires: string }> {
  const r = await openstack(["token", "issue", "-f", "json"], credentials(user, password));
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { id: string; project_id: string; user_id: string; expires: string };
}

/** What the tests read of Keystone's bodies. */
interface KeystoneJson {
  token?: { audit_ids: string[]; catalog: { type: string; endpoints: { url: string }[] }[] } & Record<string, unknown>;
  error?: Record<string, unknown>;
}

/** A raw Keystone call, as keystonemiddleware or curl would make it. */
async function keystone(method: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${stack.url}/v3/auth/tokens`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as KeystoneJson) : undefined };
}

const passwordAuth = (name: string, password: string) => ({
  auth: {
    identity: { methods: ["password"], password: { user: { name, domain: { id: "default" }, password } } },
    scope: { project: { name: "acme", domain: { name: "Default" } } },
  },
});

beforeAll(async () => {
  stack = await createStack({ env: { HOARD_TOKEN_TTL_SECONDS: "900" } });
  clientHome = fs.mkdtempSync(path.join(stack.home, "client-"));
  const project = await stack.manage(["project", "create", "acme", "-f", "json"]);
  expect(project.code, project.stderr).toBe(0);
  acmeId = (JSON.parse(project.stdout) as { id: string }).id;
  for (const [name, role] of [["alice", "member"], ["rita", "reader"], ["dora", "member"]] as const) {
    const made = await stack.manage(["user", "create", name, "--project", "acme", "--role", role, "--password-stdin"], `${name}-S3cret!\n`);
    expect(made.code, made.stderr).toBe(0);
  }
}, 180_000);

afterAll(async () => {
  await stack?.cleanup();
});

describe("openstack token issue", () => {
  it("logs in with a password and gets a project-scoped token that expires after HOARD_TOKEN_TTL_SECONDS", async () => {
    const before = Date.now();
    const token = await issue("alice", "alice-S3cret!");
    expect(token.id).toMatch(/^hoard_/);
    expect(token.project_id).toBe(acmeId);
    const after = Date.now();
    // The client prints whole seconds.
    expect(Date.parse(token.expires)).toBeGreaterThanOrEqual(before + 900_000 - 1000);
    expect(Date.parse(token.expires)).toBeLessThanOrEqual(after + 900_000);
  });

  it("has a catalog with the identity endpoint and Trove's database endpoint for the project", async () => {
    const r = await openstack(["catalog", "list", "-f", "json"], credentials("alice", "alice-S3cret!"));
    expect(r.code, r.stderr).toBe(0);
    const catalog = JSON.parse(r.stdout) as { Name: string; Type: string; Endpoints: unknown }[];
    const text = JSON.stringify(catalog);
    expect(catalog.map((c) => c.Type).sort()).toEqual(["database", "identity"]);
    expect(catalog.find((c) => c.Type === "database")?.Name).toBe("trove");
    expect(text).toContain(`${stack.url}/v1.0/${acmeId}`);
    expect(text).toContain(`${stack.url}/v3`);
  });

  it("refuses a wrong password and an unknown user alike (401), and another domain", async () => {
    const wrong = await openstack(["token", "issue"], credentials("alice", "not-her-password"));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain("HTTP 401");
    const unknown = await openstack(["token", "issue"], credentials("nobody", "not-her-password"));
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toBe(wrong.stderr);
    const domain = await openstack(["token", "issue"], credentials("alice", "alice-S3cret!", { OS_USER_DOMAIN_NAME: "Elsewhere" }));
    expect(domain.stderr).toContain("HTTP 401");

    const raw = await keystone("POST", {}, passwordAuth("alice", "wrong-password"));
    expect(raw.status).toBe(401);
    expect(raw.json).toEqual({ error: { code: 401, title: "Unauthorized", message: "The request you have made requires authentication." } });
    expect(raw.headers.get("x-subject-token")).toBeNull();
    expect((await keystone("POST", {}, passwordAuth("ghost", "wrong-password"))).json).toEqual(raw.json);
  });

  it("rescopes with the token method (the client's v3token plugin)", async () => {
    const first = await issue("alice", "alice-S3cret!");
    const r = await openstack(["token", "issue", "-f", "json"], {
      OS_AUTH_URL: `${stack.url}/v3`,
      OS_AUTH_TYPE: "v3token",
      OS_TOKEN: first.id,
      OS_PROJECT_ID: acmeId,
      OS_IDENTITY_API_VERSION: "3",
    });
    expect(r.code, r.stderr).toBe(0);
    const second = JSON.parse(r.stdout) as { id: string; expires: string };
    expect(second.id).not.toBe(first.id);
    expect(second.expires).toBe(first.expires); // a rescope never extends a login
  });
});

describe("tokens on Hoard's own API", () => {
  it("a member's token reads and writes its project", async () => {
    const { id } = await issue("alice", "alice-S3cret!");
    await expect(connectClient(stack.url, id).listInstances({})).resolves.toBeDefined();
    const made = await stack.hoard(["configuration", "create", "alice-group", "--datastore", "postgresql", "--values", '{"work_mem": 8192}'], { HOARD_TOKEN: id });
    expect(made.code, made.stderr).toBe(0);
    const groups = await serviceClient(ConfigurationService, stack.url, stack.token).listConfigurations({});
    expect(groups.configurations.map((g) => g.name)).not.toContain("alice-group"); // the admin project sees only its own
    const own = await serviceClient(ConfigurationService, stack.url, id).listConfigurations({});
    expect(own.configurations.map((g) => g.name)).toEqual(["alice-group"]);
  });

  it("a reader's token reads but cannot create", async () => {
    const { id } = await issue("rita", "rita-S3cret!");
    await expect(connectClient(stack.url, id).listInstances({})).resolves.toBeDefined();
    const denied = await connectClient(stack.url, id)
      .createInstance({ name: "nope", flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql" })
      .then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(denied?.code).toBe(Code.PermissionDenied);
    const cli = await stack.hoard(["configuration", "create", "rita-group", "--datastore", "postgresql", "--values", "{}"], { HOARD_TOKEN: id });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain("permission_denied");
    const own = await serviceClient(ConfigurationService, stack.url, id).listConfigurations({});
    expect(own.configurations.map((g) => g.name)).not.toContain("rita-group");
  });
});

describe("token checks and revocation", () => {
  it("validates with GET and HEAD, 404 for an unknown subject, 401 for an unknown caller", async () => {
    const { id } = await issue("alice", "alice-S3cret!");
    const ok = await keystone("GET", { "x-auth-token": id, "x-subject-token": id });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-subject-token")).toBe(id);
    expect(ok.json?.token).toMatchObject({
      methods: ["password"],
      user: { name: "alice", domain: { id: "default", name: "Default" } },
      project: { id: acmeId, name: "acme", domain: { id: "default" } },
      roles: [{ name: "member" }],
    });
    expect(ok.json?.token?.audit_ids).toHaveLength(1);
    expect(ok.json?.token?.catalog.find((c) => c.type === "database")?.endpoints[0]?.url).toBe(`${stack.url}/v1.0/${acmeId}`);
    expect((await fetch(`${stack.url}/v3/auth/tokens?nocatalog`, { headers: { "x-auth-token": id, "x-subject-token": id } }).then((r) => r.json())) as unknown).not.toHaveProperty("token.catalog");
    expect((await keystone("HEAD", { "x-auth-token": id, "x-subject-token": id })).status).toBe(200);
    const missing = await keystone("GET", { "x-auth-token": id, "x-subject-token": "hoard_not-a-token" });
    expect(missing.status).toBe(404);
    expect(missing.json?.error).toMatchObject({ code: 404, title: "Not Found" });
    expect((await keystone("GET", { "x-auth-token": "hoard_not-a-token", "x-subject-token": id })).status).toBe(401);
    // Another user may not look at alice's token; the operator's admin token may.
    const rita = await issue("rita", "rita-S3cret!");
    expect((await keystone("GET", { "x-auth-token": rita.id, "x-subject-token": id })).status).toBe(403);
    expect((await keystone("GET", { "x-auth-token": stack.token, "x-subject-token": id })).status).toBe(200);
  });

  it("openstack token revoke stops the token at once", async () => {
    const { id } = await issue("alice", "alice-S3cret!");
    await expect(connectClient(stack.url, id).listInstances({})).resolves.toBeDefined();
    const r = await openstack(["token", "revoke", id], credentials("alice", "alice-S3cret!"));
    expect(r.code, r.stderr).toBe(0);
    const refused = await connectClient(stack.url, id).listInstances({}).then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(refused?.code).toBe(Code.Unauthenticated);
    expect((await keystone("GET", { "x-auth-token": stack.token, "x-subject-token": id })).status).toBe(404);
    expect((await keystone("DELETE", { "x-auth-token": stack.token, "x-subject-token": id })).status).toBe(404);
  });

  it("an expired token is refused everywhere", async () => {
    const { id } = await issue("alice", "alice-S3cret!");
    await expireToken(stack, id);
    const refused = await connectClient(stack.url, id).listInstances({}).then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(refused?.code).toBe(Code.Unauthenticated);
    expect((await keystone("GET", { "x-auth-token": stack.token, "x-subject-token": id })).status).toBe(404);
    const rescope = await openstack(["token", "issue"], { OS_AUTH_URL: `${stack.url}/v3`, OS_AUTH_TYPE: "v3token", OS_TOKEN: id, OS_PROJECT_ID: acmeId, OS_IDENTITY_API_VERSION: "3" });
    expect(rescope.stderr).toContain("HTTP 401");
  });

  it("a new password or deleting the user ends the user's tokens", async () => {
    const { id } = await issue("dora", "dora-S3cret!");
    const changed = await stack.manage(["user", "set-password", "dora", "--password-stdin"], "dora-N3w-secret");
    expect(changed.code, changed.stderr).toBe(0);
    const afterChange = await connectClient(stack.url, id).listInstances({}).then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(afterChange?.code).toBe(Code.Unauthenticated);
    const fresh = await issue("dora", "dora-N3w-secret");
    const deleted = await stack.manage(["user", "delete", "dora"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    const afterDelete = await connectClient(stack.url, fresh.id).listInstances({}).then(() => undefined, (e: unknown) => ConnectError.from(e));
    expect(afterDelete?.code).toBe(Code.Unauthenticated);
    const login = await openstack(["token", "issue"], credentials("dora", "dora-N3w-secret"));
    expect(login.stderr).toContain("HTTP 401");
  });

  it("never writes a password to the logs", () => {
    const logs = fs.readdirSync(stack.home).filter((f) => f.endsWith(".log")).map((f) => fs.readFileSync(path.join(stack.home, f), "utf8")).join("\n");
    expect(logs).toContain("keystone login");
    for (const secret of ["alice-S3cret!", "rita-S3cret!", "dora-S3cret!", "dora-N3w-secret", "not-her-password"]) expect(logs).not.toContain(secret);
  });
});
