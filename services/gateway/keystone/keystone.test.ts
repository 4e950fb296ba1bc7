// The /v3 mount on a real gateway server over a real, migrated SQLite database: the request
// shapes Keystone accepts and refuses, and the URLs it puts in documents and catalogs.
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, migrateDb, type Db } from "../../platform/db/index.js";
import { hashPassword } from "../../platform/passwords.js";
import { hashToken } from "../../platform/tokens.js";
import { createUserTokens } from "../identity/user-tokens.js";
import { startGatewayServer, type GatewayServer } from "../server/index.js";
import { createIdentityStore } from "../store/identity.js";
import { createTokenStore } from "../store/tokens.js";
import { createKeystoneMount } from "./index.js";

let dir: string;
let db: Db;
let server: GatewayServer;
let pinned: GatewayServer;
let brief: GatewayServer;
const adminToken = "hoard_keystone-test-admin";
let base: string;
let userId: string;
let projectId: string;

async function startWith(publicUrl: string | undefined, ttlSeconds = 60): Promise<GatewayServer> {
  const logger = pino({ level: "silent" });
  const identity = createIdentityStore(db);
  return startGatewayServer({
    host: "127.0.0.1",
    port: 0,
    services: [],
    routes: () => {},
    logger,
    mounts: () => [createKeystoneMount({ userTokens: createUserTokens(identity, { ttlSeconds }), tokens: createTokenStore(db), publicUrl, region: "RegionTwo", logger })],
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hoard-keystone-"));
  const url = `file:${join(dir, "state.db")}`;
  await migrateDb(url);
  db = createDb(url);
  const identity = createIdentityStore(db);
  const acme = await db.project.create({ data: { name: "acme" } });
  const globex = await db.project.create({ data: { name: "globex" } });
  projectId = acme.id;
  userId = (await identity.createUser({ name: "solo", passwordHash: await hashPassword("solo-secret"), membership: { projectId, roles: ["reader"] } })).id;
  const duo = await identity.createUser({ name: "duo", passwordHash: await hashPassword("duo-secret"), membership: { projectId, roles: ["member"] } });
  await identity.grant(duo.id, globex.id, ["admin"]);
  await db.apiToken.create({ data: { projectId: globex.id, name: "operator", tokenHash: hashToken(adminToken), roles: "admin" } });
  server = await startWith(undefined);
  pinned = await startWith("https://db.example.com/");
  brief = await startWith(undefined, 1);
  base = `http://127.0.0.1:${server.address.port}`;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await pinned?.close();
  await brief?.close();
  await db?.$disconnect();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, at = base) {
  const res = await fetch(`${at}${path}`, { method, headers: { "content-type": "application/json", ...headers }, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

const login = (user: Record<string, unknown>, scope?: unknown) => ({ auth: { identity: { methods: ["password"], password: { user } }, ...(scope === undefined ? {} : { scope }) } });
const solo = { name: "solo", domain: { name: "Default" }, password: "solo-secret" };

describe("version discovery", () => {
  it("answers GET /v3 and /v3/ with links built from the Host header, and HEAD without a body", async () => {
    for (const path of ["/v3", "/v3/"]) {
      const res = await call("GET", path);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ version: { id: "v3.14", status: "stable", links: [{ rel: "self", href: `${base}/v3/` }] } });
    }
    const head = await call("HEAD", "/v3");
    expect(head.status).toBe(200);
    expect(head.text).toBe("");
  });

  it("uses HOARD_PUBLIC_URL when set, whatever the Host", async () => {
    const res = await call("GET", "/v3", undefined, {}, `http://127.0.0.1:${pinned.address.port}`);
    expect(res.json).toMatchObject({ version: { links: [{ href: "https://db.example.com/v3/" }] } });
  });

  it("ignores a Host header that is not a host name", async () => {
    const href = await new Promise<string>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: server.address.port, path: "/v3", headers: { host: "evil.example/<script>" } }, (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve((JSON.parse(text) as { version: { links: { href: string }[] } }).version.links[0]?.href ?? ""));
      });
      req.once("error", reject);
      req.end();
    });
    expect(href).toBe(`${base}/v3/`);
  });
});

describe("POST /v3/auth/tokens", () => {
  it("logs in by user id, with the catalog pointing at this gateway in the configured region", async () => {
    const res = await call("POST", "/v3/auth/tokens", login({ id: userId, password: "solo-secret" }, { project: { id: projectId } }));
    expect(res.status).toBe(201);
    expect(res.headers.get("x-subject-token")).toMatch(/^hoard_/);
    const token = (res.json as { token: { expires_at: string; issued_at: string; catalog: { type: string; endpoints: { url: string; region: string; interface: string }[] }[] } }).token;
    expect(token.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Date.parse(token.expires_at) - Date.parse(token.issued_at)).toBe(60_000);
    const database = token.catalog.find((c) => c.type === "database");
    expect(database?.endpoints.map((e) => e.interface).sort()).toEqual(["admin", "internal", "public"]);
    expect(database?.endpoints.every((e) => e.url === `${base}/v1.0/${projectId}` && e.region === "RegionTwo")).toBe(true);
    expect(token.catalog.find((c) => c.type === "identity")?.endpoints[0]?.url).toBe(`${base}/v3`);
  });

  it("leaves the catalog out with ?nocatalog", async () => {
    const res = await call("POST", "/v3/auth/tokens?nocatalog", login(solo));
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ token: { project: { name: "acme" } } });
    expect(res.json).not.toHaveProperty("token.catalog");
  });

  it("scopes an unscoped login to the user's only project, and refuses one with several", async () => {
    const one = await call("POST", "/v3/auth/tokens", login(solo));
    expect(one.status).toBe(201);
    expect(one.json).toMatchObject({ token: { project: { id: projectId, name: "acme" }, roles: [{ name: "reader" }] } });
    const several = await call("POST", "/v3/auth/tokens", login({ name: "duo", domain: { id: "default" }, password: "duo-secret" }));
    expect(several.status).toBe(401);
    expect(several.headers.get("www-authenticate")).toBe(`Keystone uri="${base}/v3"`);
    const scoped = await call("POST", "/v3/auth/tokens", login({ name: "duo", domain: { id: "default" }, password: "duo-secret" }, { project: { name: "globex", domain: { id: "default" } } }));
    expect(scoped.json).toMatchObject({ token: { project: { name: "globex" }, roles: [{ name: "admin" }] } });
  });

  const bad: [string, unknown, number, RegExp][] = [
    ["a body that is not JSON", "{nope", 400, /not JSON/],
    ["no auth", {}, 400, /auth/],
    ["no methods", { auth: { identity: { methods: [] } } }, 400, /identity\.methods/],
    ["a user name without a domain", login({ name: "solo", password: "solo-secret" }), 400, /domain in user/],
    ["a password that is not a string", login({ name: "solo", domain: { id: "default" }, password: 42 }), 400, /password/],
    ["a project name without a domain", login(solo, { project: { name: "acme" } }), 400, /domain in project/],
    ["another user domain", login({ ...solo, domain: { name: "Other" } }), 401, /requires authentication/],
    ["another project domain", login(solo, { project: { name: "acme", domain: { id: "other" } } }), 401, /requires authentication/],
    ["a domain scope", login(solo, { domain: { id: "default" } }), 401, /project-scoped tokens only/],
    ["an unknown method", { auth: { identity: { methods: ["totp"], totp: {} } } }, 401, /Unsupported authentication method/],
    ["a token that does not work", { auth: { identity: { methods: ["token"], token: { id: "hoard_nope" } } } }, 401, /requires authentication/],
  ];
  for (const [what, body, status, message] of bad) {
    it(`answers ${status} to ${what}, in Keystone's error shape`, async () => {
      const res = await call("POST", "/v3/auth/tokens", body);
      expect(res.status).toBe(status);
      expect(res.json).toMatchObject({ error: { code: status, title: status === 400 ? "Bad Request" : "Unauthorized" } });
      expect(String((res.json as { error: { message: string } }).error.message)).toMatch(message);
      expect(res.headers.get("x-subject-token")).toBeNull();
    });
  }

  it("refuses a body over 64 KiB", async () => {
    const res = await call("POST", "/v3/auth/tokens", login({ ...solo, password: "x".repeat(70_000) }));
    expect(res.status).toBe(413);
  });
});

describe("expiry", () => {
  it("a token stops working when its lifetime (here 1 s) has passed, for Keystone and for the gateway's own authentication", async () => {
    const at = `http://127.0.0.1:${brief.address.port}`;
    const issued = await call("POST", "/v3/auth/tokens", login(solo), {}, at);
    const subject = issued.headers.get("x-subject-token") ?? "";
    expect((await call("GET", "/v3/auth/tokens", undefined, { "x-auth-token": adminToken, "x-subject-token": subject }, at)).status).toBe(200);
    expect(await createTokenStore(db).findActive(hashToken(subject), new Date())).toBeDefined();
    await new Promise((r) => setTimeout(r, 1100));
    expect((await call("GET", "/v3/auth/tokens", undefined, { "x-auth-token": adminToken, "x-subject-token": subject }, at)).status).toBe(404);
    expect(await createTokenStore(db).findActive(hashToken(subject), new Date())).toBeUndefined();
    const rescope = await call("POST", "/v3/auth/tokens", { auth: { identity: { methods: ["token"], token: { id: subject } } } }, {}, at);
    expect(rescope.status).toBe(401);
  });
});

describe("other routes", () => {
  it("answers 405 for other methods and a Keystone 404 for paths Hoard does not offer", async () => {
    expect((await call("PUT", "/v3/auth/tokens", {})).status).toBe(405);
    expect((await call("POST", "/v3", {})).status).toBe(405);
    const missing = await call("GET", "/v3/users");
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: { code: 404, title: "Not Found" } });
  });

  it("needs X-Auth-Token to check or revoke a token", async () => {
    const issued = await call("POST", "/v3/auth/tokens", login(solo));
    const subject = issued.headers.get("x-subject-token") ?? "";
    expect((await call("GET", "/v3/auth/tokens", undefined, { "x-subject-token": subject })).status).toBe(401);
    expect((await call("DELETE", "/v3/auth/tokens", undefined, { "x-subject-token": subject })).status).toBe(401);
    expect((await call("GET", "/v3/auth/tokens", undefined, { "x-auth-token": subject })).status).toBe(404);
    expect((await call("DELETE", "/v3/auth/tokens", undefined, { "x-auth-token": subject, "x-subject-token": subject })).status).toBe(204);
    expect((await call("GET", "/v3/auth/tokens", undefined, { "x-auth-token": subject, "x-subject-token": subject })).status).toBe(401);
  });
});
