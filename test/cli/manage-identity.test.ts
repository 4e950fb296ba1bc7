// `hoard-manage user ...` against a real gateway server (IdentityService, the authentication and
// validation interceptors) over a migrated SQLite database: passwords come from stdin or a prompt,
// never from the command line, and are never printed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/proto/hoard/v1/identity_pb.js";
import { runHoardManage } from "../../cli/hoard-manage.js";
import { registerIdentityService } from "../../services/gateway/handlers/identity.js";
import { createAuthenticateInterceptor } from "../../services/gateway/interceptors/authenticate.js";
import { createRequestScopeInterceptor } from "../../services/gateway/interceptors/request-scope.js";
import { createValidateInterceptor } from "../../services/gateway/interceptors/validate.js";
import { startGatewayServer, type GatewayServer } from "../../services/gateway/server/index.js";
import { createIdentityStore } from "../../services/gateway/store/identity.js";
import { createManageStore } from "../../services/gateway/store/manage.js";
import { createTokenStore } from "../../services/gateway/store/tokens.js";
import { createDb, migrateDb, type Db } from "../../services/platform/db/index.js";
import { verifyPassword } from "../../services/platform/passwords.js";
import { hashToken } from "../../services/platform/tokens.js";

const adminToken = "hoard_cli-identity-admin";
let dir: string;
let db: Db;
let server: GatewayServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hoard-cli-identity-"));
  const url = `file:${join(dir, "state.db")}`;
  await migrateDb(url);
  db = createDb(url);
  const admin = await db.project.create({ data: { name: "admin" } });
  await db.project.create({ data: { name: "acme" } });
  await db.apiToken.create({ data: { projectId: admin.id, name: "admin", tokenHash: hashToken(adminToken), roles: "admin" } });
  const logger = pino({ level: "silent" });
  const manage = createManageStore(db);
  server = await startGatewayServer({
    host: "127.0.0.1",
    port: 0,
    services: [IdentityService],
    interceptors: [createRequestScopeInterceptor(logger), createAuthenticateInterceptor(createTokenStore(db)), createValidateInterceptor()],
    logger,
    routes: (router) => registerIdentityService(router, { identity: createIdentityStore(db), project: manage.project }),
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await db?.$disconnect();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Terminal {
  stdin: PassThrough & { isTTY?: boolean };
  stderr: () => string;
  finished: Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Starts `hoard-manage ARGS` in process with a stdin the test writes to (a terminal when `tty`). */
function start(args: string[], tty = false): Terminal {
  const stdin: PassThrough & { isTTY?: boolean } = new PassThrough();
  if (tty) stdin.isTTY = true;
  let stdout = "";
  let stderr = "";
  const finished = runHoardManage(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { HOARD_URL: `http://127.0.0.1:${server.address.port}`, HOARD_TOKEN: adminToken },
    cwd: dir,
    stdin,
  }).then((code) => ({ code, stdout, stderr }));
  return { stdin, stderr: () => stderr, finished };
}

async function untilPrompt(t: Terminal, text: string, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (t.stderr().split(text).length - 1 < count) {
    if (Date.now() > deadline) throw new Error(`no prompt "${text}" in ${JSON.stringify(t.stderr())}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const stored = async (name: string) => (await db.user.findUniqueOrThrow({ where: { name } })).passwordHash;

describe("hoard-manage user", () => {
  it("create --password-stdin takes the piped password (one trailing newline dropped) and never prints it", async () => {
    const run = await start(["user", "create", "pipe-user2", "--project", "acme", "--role", "member,reader", "--password-stdin", "-f", "json"]);
    run.stdin.end("Piped pass word\n");
    const done = await run.finished;
    expect(done.stderr).toBe("");
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ name: "pipe-user2", projects: [{ project: "acme", roles: ["member", "reader"] }] });
    expect(done.stdout).not.toContain("Piped");
    expect(await verifyPassword("Piped pass word", await stored("pipe-user2"))).toBe(true);
  });

  it("refuses to read a password from a stdin that is not a terminal without --password-stdin, sending nothing", async () => {
    const t = start(["user", "create", "nobody", "--project", "acme", "--role", "member"]);
    t.stdin.end("whatever-pass\n");
    const done = await t.finished;
    expect(done.code).toBe(2);
    expect(done.stderr).toContain("--password-stdin");
    expect(await db.user.findUnique({ where: { name: "nobody" } })).toBeNull();
  });

  it("prompts twice at a terminal, and refuses when the two differ", async () => {
    const t = start(["user", "create", "typed", "--project", "acme", "--role", "reader"], true);
    await untilPrompt(t, "Password for user typed: ", 1);
    t.stdin.write("typed-Secret-1\n");
    await untilPrompt(t, "Again: ", 1);
    t.stdin.write("typed-Secret-1\n");
    const done = await t.finished;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout + done.stderr).not.toContain("typed-Secret-1");
    expect(await verifyPassword("typed-Secret-1", await stored("typed"))).toBe(true);

    const typo = start(["user", "set-password", "typed"], true);
    await untilPrompt(typo, "Password for user typed: ", 1);
    typo.stdin.write("new-Secret-1\n");
    await untilPrompt(typo, "Again: ", 1);
    typo.stdin.write("new-Secret-2\n");
    expect(await typo.finished).toMatchObject({ code: 2 });
    expect(await verifyPassword("typed-Secret-1", await stored("typed"))).toBe(true);
  });

  it("grant, revoke, list and delete", async () => {
    const run = async (args: string[]) => {
      const t = start(args);
      t.stdin.end();
      return t.finished;
    };
    expect((await run(["user", "grant", "typed", "--project", "admin", "--role", "admin"])).code).toBe(0);
    const listed = await run(["user", "list", "--project", "admin", "-f", "json"]);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ name: "typed", projects: [{ project: "acme", roles: ["reader"] }, { project: "admin", roles: ["admin"] }] }]);
    const revoked = await run(["user", "revoke", "typed", "--project", "admin", "-f", "json"]);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ projects: [{ project: "acme" }] });
    expect((await run(["user", "list", "--project", "admin", "-f", "json"])).stdout.trim()).toBe("[]");
    const unknownRole = await run(["user", "grant", "typed", "--project", "acme", "--role", "owner"]);
    expect(unknownRole.code).toBe(1);
    expect(unknownRole.stderr).toContain("invalid_argument");
    expect((await run(["user", "delete", "typed"])).code).toBe(0);
    const gone = await run(["user", "show", "typed"]);
    expect(gone.stderr).toContain("not_found");
  });
});
