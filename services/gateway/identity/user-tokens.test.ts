// Token issuance against a real, migrated SQLite database: what a login gives, what it refuses, and
// that the tokens it issues are the ones the gateway's authentication accepts (or stops accepting).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, migrateDb, type Db } from "../../platform/db/index.js";
import { hashPassword } from "../../platform/passwords.js";
import { hashToken } from "../../platform/tokens.js";
import { createIdentityStore, type IdentityStore } from "../store/identity.js";
import { createTokenStore } from "../store/tokens.js";
import { createUserTokens } from "./user-tokens.js";

let dir: string;
let db: Db;
let store: IdentityStore;
let clock = new Date("2026-01-01T00:00:00Z");
const projects: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hoard-identity-"));
  const url = `file:${join(dir, "state.db")}`;
  await migrateDb(url);
  db = createDb(url);
  store = createIdentityStore(db);
  for (const name of ["acme", "globex"]) projects[name] = (await db.project.create({ data: { name } })).id;
  await store.createUser({ name: "alice", passwordHash: await hashPassword("alice-secret"), membership: { projectId: projects.acme!, roles: ["member"] } });
  const bob = await store.createUser({ name: "bob", passwordHash: await hashPassword("bob-secret-1", { ln: 10, r: 8, p: 1 }), membership: { projectId: projects.acme!, roles: ["reader"] } });
  await store.grant(bob.id, projects.globex!, ["admin"]);
  await store.createUser({ name: "carol", passwordHash: await hashPassword("carol-secret") });
}, 60_000);

afterAll(async () => {
  await db?.$disconnect();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tokens = () => createUserTokens(store, { ttlSeconds: 3600, now: () => clock });
/** What the gateway's interceptor would accept for this secret at the test clock. */
const principal = (secret: string) => createTokenStore(db).findActive(hashToken(secret), clock);

describe("password login", () => {
  it("issues a token scoped to the named project with the user's roles there, expiring after the TTL", async () => {
    const issued = await tokens().withPassword({ name: "alice" }, "alice-secret", { name: "acme" });
    expect(issued.secret).toMatch(/^hoard_/);
    expect(issued).toMatchObject({ user: { name: "alice" }, project: { id: projects.acme, name: "acme" }, roles: ["member"], methods: ["password"] });
    expect(issued.expiresAt.getTime() - issued.issuedAt.getTime()).toBe(3600_000);
    expect(await principal(issued.secret)).toMatchObject({ projectId: projects.acme, roles: ["member"] });
    const row = await db.apiToken.findUnique({ where: { tokenHash: hashToken(issued.secret) } });
    expect(row?.tokenHash).not.toContain(issued.secret); // only the hash is kept
  });

  it("scopes by project id, and to the only project when none is named", async () => {
    const byId = await tokens().withPassword({ name: "alice" }, "alice-secret", { id: projects.acme! });
    expect(byId.project.name).toBe("acme");
    const unscoped = await tokens().withPassword({ name: "alice" }, "alice-secret");
    expect(unscoped.project.name).toBe("acme");
  });

  it("refuses a wrong password and an unknown user with the same message", async () => {
    const wrong = await tokens().withPassword({ name: "alice" }, "nope-nope", { name: "acme" }).catch((e: Error) => e.message);
    const unknown = await tokens().withPassword({ name: "mallory" }, "nope-nope", { name: "acme" }).catch((e: Error) => e.message);
    const unknownId = await tokens().withPassword({ id: "no-such-id" }, "nope-nope", { name: "acme" }).catch((e: Error) => e.message);
    expect(wrong).toBe("The request you have made requires authentication.");
    expect(unknown).toBe(wrong);
    expect(unknownId).toBe(wrong);
  });

  it("refuses a project the user has no role in, an unknown project, and an ambiguous or empty unscoped login", async () => {
    await expect(tokens().withPassword({ name: "alice" }, "alice-secret", { name: "globex" })).rejects.toThrow(/no role in project globex/);
    await expect(tokens().withPassword({ name: "alice" }, "alice-secret", { name: "initech" })).rejects.toThrow(/no role in project initech/);
    await expect(tokens().withPassword({ name: "bob" }, "bob-secret-1")).rejects.toThrow(/several/);
    await expect(tokens().withPassword({ name: "carol" }, "carol-secret")).rejects.toThrow(/no role in any project/);
  });

  it("re-hashes a password stored with older parameters at the next login, and it keeps working", async () => {
    await store.createUser({ name: "erin", passwordHash: await hashPassword("erin-secret", { ln: 10, r: 8, p: 1 }), membership: { projectId: projects.acme!, roles: ["reader"] } });
    await tokens().withPassword({ name: "erin" }, "erin-secret", { name: "acme" });
    const after = (await store.user("erin")).passwordHash;
    expect(after).toContain("ln=15");
    await expect(tokens().withPassword({ name: "erin" }, "erin-secret", { name: "acme" })).resolves.toMatchObject({ roles: ["reader"] });
  });
});

describe("token lifetime", () => {
  it("stops working once expired", async () => {
    const issued = await tokens().withPassword({ name: "alice" }, "alice-secret", { name: "acme" });
    clock = new Date(clock.getTime() + 3601_000);
    try {
      expect(await tokens().describe(issued.secret)).toBeUndefined();
      expect(await principal(issued.secret)).toBeUndefined();
      await expect(tokens().withToken(issued.secret, { name: "acme" })).rejects.toThrow(/requires authentication/);
    } finally {
      clock = new Date(clock.getTime() - 3601_000);
    }
  });

  it("stops working at once when revoked", async () => {
    const t = tokens();
    const issued = await t.withPassword({ name: "alice" }, "alice-secret", { name: "acme" });
    await t.revoke(issued);
    expect(await t.describe(issued.secret)).toBeUndefined();
    expect(await principal(issued.secret)).toBeUndefined();
  });

  it("rescoping gives the roles of the new project and keeps the original expiry", async () => {
    const t = tokens();
    const first = await t.withPassword({ name: "bob" }, "bob-secret-1", { name: "acme" });
    clock = new Date(clock.getTime() + 600_000);
    try {
      const second = await t.withToken(first.secret, { name: "globex" });
      expect(second).toMatchObject({ project: { name: "globex" }, roles: ["admin"], methods: ["password", "token"] });
      expect(second.expiresAt).toEqual(first.expiresAt);
      expect(await principal(second.secret)).toMatchObject({ projectId: projects.globex, roles: ["admin"] });
    } finally {
      clock = new Date(clock.getTime() - 600_000);
    }
  });

  it("operator-issued API tokens are not user logins", async () => {
    await db.apiToken.create({ data: { projectId: projects.acme!, name: "ci", tokenHash: hashToken("hoard_plain"), roles: "member" } });
    expect(await tokens().describe("hoard_plain")).toBeUndefined();
    await expect(tokens().withToken("hoard_plain")).rejects.toThrow(/requires authentication/);
  });

  it("a new password, a revoked role or a deleted user end the user's tokens", async () => {
    const t = tokens();
    const dave = await store.createUser({ name: "dave", passwordHash: await hashPassword("dave-secret"), membership: { projectId: projects.acme!, roles: ["member"] } });
    await store.grant(dave.id, projects.globex!, ["reader"]);
    const a = await t.withPassword({ name: "dave" }, "dave-secret", { name: "acme" });
    const g = await t.withPassword({ name: "dave" }, "dave-secret", { name: "globex" });
    await store.revoke(dave.id, projects.globex!, [], clock);
    expect(await principal(g.secret)).toBeUndefined();
    expect(await principal(a.secret)).toBeDefined();
    await store.setPassword(dave.id, await hashPassword("dave-secret-2"), clock);
    expect(await principal(a.secret)).toBeUndefined();
    await expect(t.withPassword({ name: "dave" }, "dave-secret", { name: "acme" })).rejects.toThrow(/requires authentication/);
    const b = await t.withPassword({ name: "dave" }, "dave-secret-2", { name: "acme" });
    await store.deleteUser("dave");
    expect(await principal(b.secret)).toBeUndefined();
  });
});
