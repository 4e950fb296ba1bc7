// Bad input answers the right code naming the field and writes nothing; tokens decide who sees
// what: another project's token gets NOT_FOUND, no token or a wrong one UNAUTHENTICATED.
import fs from "node:fs";
import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../services/platform/db/index.js";
import { hashToken, newToken } from "../../services/platform/tokens.js";
import { connectClient, curl } from "./clients.js";
import { createStack, type Stack } from "./harness.js";

let stack: Stack;
let otherToken: string;

beforeAll(async () => {
  stack = await createStack();
  // A second tenant, written straight into the state database (hoard-manage comes later).
  const db = createDb(`file:${path.join(stack.home, "hoard.db")}`);
  const project = await db.project.create({ data: { name: "other" } });
  otherToken = newToken();
  await db.apiToken.create({ data: { projectId: project.id, name: "other", tokenHash: hashToken(otherToken), roles: "member" } });
  await db.$disconnect();
});

afterAll(async () => {
  await stack?.cleanup();
});

const good = { name: "ok1", flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql", datastoreVersion: "15" };

const cases: { what: string; body: Record<string, unknown>; code: Code; http: number; names: string }[] = [
  { what: "no name", body: { ...good, name: "" }, code: Code.InvalidArgument, http: 400, names: "name" },
  { what: "a malformed name", body: { ...good, name: "bad name!" }, code: Code.InvalidArgument, http: 400, names: "name" },
  { what: "an unknown flavor", body: { ...good, flavor: "huge" }, code: Code.NotFound, http: 404, names: "flavor" },
  { what: "an unknown datastore", body: { ...good, datastore: "oracle" }, code: Code.NotFound, http: 404, names: "datastore" },
  { what: "an unknown version", body: { ...good, datastoreVersion: "9" }, code: Code.NotFound, http: 404, names: "version" },
  { what: "volume size 0", body: { ...good, volumeSizeGb: 0 }, code: Code.InvalidArgument, http: 400, names: "volume_size_gb" },
  { what: "volume above the maximum", body: { ...good, volumeSizeGb: 1000 }, code: Code.InvalidArgument, http: 400, names: "volume_size_gb" },
  { what: "a user without password", body: { ...good, users: [{ name: "app" }] }, code: Code.InvalidArgument, http: 400, names: "users[0].password" },
  { what: "a reserved database name", body: { ...good, databases: [{ name: "postgres" }] }, code: Code.InvalidArgument, http: 400, names: "databases[0].name" },
  { what: "a user's unknown database", body: { ...good, users: [{ name: "app", password: "S3cret-pw", databases: ["nope"] }] }, code: Code.InvalidArgument, http: 400, names: "users[0].databases[0]" },
];

async function nothingWritten() {
  const list = await connectClient(stack.url, stack.token).listInstances({});
  expect(list.instances).toEqual([]);
  const dir = path.join(stack.home, "instances");
  expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([]);
}

describe("bad input", () => {
  for (const c of cases) {
    it(`${c.what}: Connect ${Code[c.code]} and HTTP ${c.http}, naming ${c.names}`, async () => {
      const client = connectClient(stack.url, stack.token);
      const err = await client.createInstance(c.body).then(() => undefined, (e: unknown) => ConnectError.from(e));
      expect(err?.code).toBe(c.code);
      expect(err?.rawMessage).toContain(c.names);
      const rest = await curl("POST", `${stack.url}/v1/instances`, stack.token, c.body);
      expect(rest.status).toBe(c.http);
      expect(String(rest.json.message)).toContain(c.names);
      await nothingWritten();
    });
  }

  it("a malformed --users spec is refused by the CLI before anything is sent", async () => {
    const r = await stack.hoard(["instance", "create", "x1", "--flavor", "tiny", "--size", "1", "--datastore", "postgresql", "--users", "app"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("--users");
    await nothingWritten();
  });
});

describe("tenancy and authentication", () => {
  it("another project's token cannot see, restart or delete an instance", async () => {
    const mine = connectClient(stack.url, stack.token);
    const { instance } = await mine.createInstance({ ...good, name: "private1" });
    const theirs = connectClient(stack.url, otherToken);
    for (const call of [() => theirs.getInstance({ id: "private1" }), () => theirs.getInstance({ id: instance?.id ?? "" }), () => theirs.deleteInstance({ id: instance?.id ?? "" }), () => theirs.restartInstance({ id: "private1" })]) {
      const err = await call().then(() => undefined, (e: unknown) => ConnectError.from(e));
      expect(err?.code).toBe(Code.NotFound);
    }
    expect((await theirs.listInstances({})).instances).toEqual([]);
    const rest = await curl("DELETE", `${stack.url}/v1/instances/${instance?.id}`, otherToken);
    expect(rest.status).toBe(404);
    expect((await mine.getInstance({ id: "private1" })).instance?.name).toBe("private1");
    await mine.deleteInstance({ id: "private1" });
  });

  it("no token or a wrong one is UNAUTHENTICATED (401)", async () => {
    for (const token of [undefined, "hoard_wrong", otherToken.slice(0, -2) + "xx"]) {
      const rest = await curl("GET", `${stack.url}/v1/instances`, token);
      expect(rest.status).toBe(401);
      const err = await connectClient(stack.url, token ?? "").listInstances({}).then(() => undefined, (e: unknown) => ConnectError.from(e));
      expect(err?.code).toBe(Code.Unauthenticated);
    }
  });
});
