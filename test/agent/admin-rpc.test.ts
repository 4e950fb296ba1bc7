// The administrative RPCs of the guest agent (databases, users, grants, root) in process, over
// connect's router transport, with the real lifecycle and interceptor and an in-memory datastore:
// what reaches the manager, which Connect code and message a caller gets, when the agent refuses,
// and that no password ever reaches the log.
import { Code, ConnectError, createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { GuestAgentService, ServiceStatus } from "../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { DatastorePreconditionError } from "../../agent/src/datastores/errors.js";
import { createScrubber } from "../../agent/src/errors.js";
import { createRequestScopeInterceptor, registerGuestAgentService } from "../../agent/src/handlers/index.js";
import type { IntentStore } from "../../agent/src/intent-file.js";
import { createLifecycle, type Lifecycle } from "../../agent/src/lifecycle.js";
import type { Desired } from "../../agent/src/status.js";
import { FakeDatastore } from "./helpers/fake-datastore.js";

const prepareRequest = {
  ramMb: 512,
  vcpus: 1,
  databases: [{ name: "shop" }],
  users: [{ name: "alice", password: "alice-prepare-pw", databases: ["shop"] }],
  adminPassword: "admin-prepare-pw",
};

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** An agent's service in process; `lines` collects every log line it writes, at debug level. */
function setup(engine: string | undefined = "postgresql") {
  const fake = new FakeDatastore();
  fake.prepareDelayMs = 0;
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  // No redaction on purpose: a password must never reach the logger, not even under a redacted key.
  const logger = pino({ level: "debug" }, sink);
  const scrubber = createScrubber();
  const lifetime = new AbortController();
  let desired: Desired = "running";
  const intent: IntentStore = {
    load: async () => desired,
    save: async (next) => void (desired = next),
  };
  const lifecycle: Lifecycle = createLifecycle({
    manager: fake.manager,
    intent,
    probeIntervalMs: 50,
    backoff: { initialMs: 100, maxMs: 1000 },
    lifetime: lifetime.signal,
    logger,
    scrubber,
  });
  closers.push(() => {
    lifecycle.close();
    lifetime.abort();
  });
  const transport = createRouterTransport((router) => registerGuestAgentService(router, { instanceId: "inst-1", engine, lifecycle }), {
    router: { interceptors: [createRequestScopeInterceptor(logger, scrubber)] },
  });
  const client: Client<typeof GuestAgentService> = createClient(GuestAgentService, transport);
  return { fake, client, lines, lifecycle };
}

async function prepared(engine?: string) {
  const agent = setup(engine);
  await agent.client.prepare(prepareRequest);
  agent.fake.adminCalls = [];
  return agent;
}

function failure(promise: Promise<unknown>): Promise<ConnectError> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (err: unknown) => ConnectError.from(err),
  );
}

/** Polls `probe` until it returns something; a guard against hangs, not a timing assertion. */
async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("administrative RPCs", () => {
  it("refuse before Prepare with FAILED_PRECONDITION, without reaching the manager", async () => {
    const { client, fake } = setup();
    for (const call of [
      () => client.listDatabases({}),
      () => client.createDatabase({ database: { name: "reports" } }),
      () => client.createUser({ user: { name: "bob", password: "bob-password", databases: [] } }),
      () => client.enableRoot({ password: "root-password" }),
      () => client.getRootStatus({}),
    ]) {
      const err = await failure(call());
      expect(err.code).toBe(Code.FailedPrecondition);
      expect(err.rawMessage).toBe("instance is not ready: the datastore has not been prepared");
    }
    expect(fake.adminCalls).toEqual([]);
  });

  it("reach the manager with the request's arguments and answer with its results", async () => {
    const { client, fake } = await prepared();
    await client.createDatabase({ database: { name: "reports", characterSet: "UTF8", collation: "C" } });
    await client.createDatabase({ database: { name: "archive" } });
    await client.createUser({ user: { name: "bob", password: "bob-password", databases: ["reports"] } });
    await client.grantAccess({ name: "bob", databases: ["archive"] });
    await client.revokeAccess({ name: "bob", database: "reports" });
    await client.updateUser({ name: "bob", newName: "robert", newPassword: "robert-password" });
    expect(await client.listDatabases({})).toMatchObject({
      databases: [
        { name: "reports", characterSet: "UTF8", collation: "C" },
        { name: "archive", characterSet: "UTF8", collation: "C.UTF-8" },
      ],
    });
    expect((await client.listUsers({})).users).toMatchObject([{ name: "robert", host: "", password: "", databases: ["archive"] }]);
    expect(await client.enableRoot({ password: "root-password" })).toMatchObject({ name: "root" });
    expect(await client.getRootStatus({})).toMatchObject({ enabled: true });
    await client.disableRoot({});
    expect(await client.getRootStatus({})).toMatchObject({ enabled: false });
    await client.deleteUser({ name: "robert" });
    await client.deleteDatabase({ name: "archive" });

    expect(fake.adminCalls).toEqual([
      { method: "createDatabase", args: [{ name: "reports", characterSet: "UTF8", collation: "C" }] },
      { method: "createDatabase", args: [{ name: "archive" }] },
      { method: "createUser", args: [{ name: "bob", password: "bob-password", databases: ["reports"] }] },
      { method: "grantAccess", args: ["bob", "", ["archive"]] },
      { method: "revokeAccess", args: ["bob", "", "reports"] },
      { method: "updateUser", args: ["bob", "", { newName: "robert", password: "robert-password" }] },
      { method: "listDatabases", args: [] },
      { method: "listUsers", args: [] },
      { method: "enableRoot", args: ["root-password"] },
      { method: "rootEnabled", args: [] },
      { method: "disableRoot", args: [] },
      { method: "rootEnabled", args: [] },
      { method: "deleteUser", args: ["robert", ""] },
      { method: "deleteDatabase", args: ["archive"] },
    ]);
  });

  it("turn NotFound, Conflict, Spec and Precondition errors into their Connect codes, message kept", async () => {
    const { client } = await prepared();
    await client.createDatabase({ database: { name: "reports" } });
    const cases: Array<[Promise<unknown>, Code, string]> = [
      [client.createDatabase({ database: { name: "reports" } }), Code.AlreadyExists, 'database "reports" already exists'],
      [client.deleteDatabase({ name: "nowhere" }), Code.NotFound, 'database "nowhere" does not exist'],
      [client.deleteUser({ name: "nobody" }), Code.NotFound, 'user "nobody" does not exist'],
      [
        client.createUser({ user: { name: "bob", password: "bob-password", databases: ["reports", "nowhere"] } }),
        Code.NotFound,
        'database "nowhere" does not exist',
      ],
      [client.createDatabase({ database: { name: "odd", characterSet: "bogus" } }), Code.InvalidArgument, 'character set "bogus" is not a known encoding'],
    ];
    for (const [call, code, message] of cases) {
      const err = await failure(call);
      expect({ code: Code[err.code], message: err.rawMessage }).toEqual({ code: Code[code], message });
    }
    await client.createUser({ user: { name: "bob", password: "bob-password", databases: [] } });
    const dup = await failure(client.createUser({ user: { name: "bob", password: "other-password", databases: [] } }));
    expect([dup.code, dup.rawMessage]).toEqual([Code.AlreadyExists, 'user "bob" already exists']);
    const grant = await failure(client.grantAccess({ name: "bob", databases: ["reports", "nowhere"] }));
    expect([grant.code, grant.rawMessage]).toEqual([Code.NotFound, 'database "nowhere" does not exist']);
    expect((await client.listUsers({})).users).toMatchObject([{ name: "bob", databases: [] }]);
  });

  it("pass an engine's precondition failure on as FAILED_PRECONDITION, and anything else as INTERNAL", async () => {
    const { client, fake } = await prepared();
    fake.failNextAdmin = new DatastorePreconditionError("instance is not ready: PostgreSQL is not accepting connections");
    const notReady = await failure(client.listUsers({}));
    expect([notReady.code, notReady.rawMessage]).toEqual([Code.FailedPrecondition, "instance is not ready: PostgreSQL is not accepting connections"]);
    fake.failNextAdmin = new Error("connection reset by peer");
    const broken = await failure(client.listUsers({}));
    expect([broken.code, broken.rawMessage]).toEqual([Code.Internal, "list users failed: connection reset by peer"]);
  });

  it("check names, hosts and passwords against the engine's rules before the manager sees them", async () => {
    const { client, fake } = await prepared("postgresql");
    const cases: Array<[Promise<unknown>, string]> = [
      [client.createUser({ user: { name: "bob", password: "", databases: [] } }), "user.password: must not be empty"],
      [client.createUser({ user: { name: "postgres", password: "pw-postgres", databases: [] } }), 'user.name: user name "postgres" is reserved by postgresql'],
      [
        client.createUser({ user: { name: "bob", password: "bob-password", host: "%", databases: [] } }),
        "user.host: postgresql users have no host; leave it empty",
      ],
      [client.createUser({ user: { name: "bob", password: "bob-password", databases: ["a", "a"] } }), 'user.databases[1]: "a" is listed twice'],
      [client.createUser({}), "user: must be set"],
      [client.createDatabase({ database: { name: "template1" } }), 'database.name: database name "template1" is reserved by postgresql'],
      [client.createDatabase({}), "database: must be set"],
      [client.deleteDatabase({ name: "" }), "name: must not be empty"],
      [client.deleteUser({ name: "root" }), 'name: user name "root" is reserved by postgresql'],
      [client.updateUser({ name: "bob" }), "new_name: nothing to change: set new_name, new_password or new_host"],
      [client.updateUser({ name: "bob", newHost: "10.0.0.1" }), "new_host: postgresql users have no host; leave it empty"],
      [client.grantAccess({ name: "bob", databases: [] }), "databases: must name at least one database"],
      [client.grantAccess({ name: "bob", databases: ["pg_catalog"] }), 'databases[0]: database name "pg_catalog" is reserved by postgresql'],
      [client.revokeAccess({ name: "bob", database: "" }), "database: must not be empty"],
      [client.enableRoot({ password: "" }), "password: must not be empty"],
    ];
    for (const [call, message] of cases) {
      const err = await failure(call);
      expect({ code: Code[err.code], message: err.rawMessage }).toEqual({ code: "InvalidArgument", message });
    }
    expect(fake.adminCalls).toEqual([]);
  });

  it("refuse what the engine cannot do with FAILED_PRECONDITION naming the engine", async () => {
    const { client, fake } = await prepared("redis");
    fake.capabilities.databases = false;
    fake.capabilities.grants = false;
    const cases: Array<[Promise<unknown>, string]> = [
      [client.listDatabases({}), "redis has no databases"],
      [client.createDatabase({ database: { name: "reports" } }), "redis has no databases"],
      [client.grantAccess({ name: "bob", databases: ["reports"] }), "redis cannot grant or revoke access to databases"],
      [client.revokeAccess({ name: "bob", database: "reports" }), "redis cannot grant or revoke access to databases"],
    ];
    for (const [call, message] of cases) {
      const err = await failure(call);
      expect({ code: Code[err.code], message: err.rawMessage }).toEqual({ code: "FailedPrecondition", message });
    }
    await client.createUser({ user: { name: "bob", password: "bob-password", databases: [] } });
    expect(fake.adminCalls).toEqual([{ method: "createUser", args: [{ name: "bob", password: "bob-password", databases: [] }] }]);
  });

  it("refuse while Prepare runs and while the server is stopped", async () => {
    const { client, fake } = setup();
    fake.prepareDelayMs = 60_000;
    const preparing = client.prepare(prepareRequest).catch((err: unknown) => err);
    await until(async () => ((await client.getStatus({})).status === ServiceStatus.BUILDING ? true : undefined), "BUILDING");
    const during = await failure(client.listDatabases({}));
    expect([during.code, during.rawMessage]).toEqual([Code.FailedPrecondition, "instance is not ready: Prepare is still running"]);
    closers.splice(0).forEach((close) => close()); // ends the lifecycle and its prepare
    await preparing;

    const other = await prepared();
    await other.client.stop({});
    const stopped = await failure(other.client.getRootStatus({}));
    expect([stopped.code, stopped.rawMessage]).toEqual([Code.FailedPrecondition, "instance is not ready: the database server is stopped"]);
    await other.client.start({});
    expect(await other.client.getRootStatus({})).toMatchObject({ enabled: false });
  });

  it("never overlap a restart: new calls are refused while it waits, and it waits for the call under way", async () => {
    const { client, fake } = await prepared();
    let release = (): void => {};
    fake.holdCreateDatabase = new Promise<void>((resolve) => (release = resolve));
    const creating = client.createDatabase({ database: { name: "slow" } });
    await until(() => (fake.adminCalls.some((c) => c.method === "createDatabase") ? true : undefined), "createDatabase to reach the manager");

    const restarting = client.restart({});
    const refused = await until(
      () => client.listDatabases({}).then(() => undefined, (err: unknown) => ConnectError.from(err)),
      "the restart to be under way",
    );
    expect([refused.code, refused.rawMessage]).toEqual([Code.FailedPrecondition, "instance is not ready: a start, stop or restart is under way"]);
    expect(fake.restartCalls).toBe(0); // still waiting for createDatabase

    release();
    await creating;
    await restarting;
    expect(fake.restartCalls).toBe(1);
    expect((await client.listDatabases({})).databases.map((d) => d.name)).toEqual(["slow"]);
  });

  it("never write a password to the log, nor send one back in an error", async () => {
    const { client, fake, lines } = await prepared();
    const secrets = ["bob-Pass-1234", "bob-New-5678", "root-Pass-9012", "eve-Pass-3456"];
    const [bob, bobNew, root, eve] = secrets as [string, string, string, string];
    await client.createDatabase({ database: { name: "reports" } });
    await client.createUser({ user: { name: "bob", password: bob, databases: ["reports"] } });
    await client.updateUser({ name: "bob", newPassword: bobNew });
    await client.enableRoot({ password: root });
    // Engines that echo a statement, or a password bare, in their errors.
    fake.failNextAdmin = new Error(`CREATE ROLE eve LOGIN PASSWORD '${eve}' failed`);
    const echoed = await failure(client.createUser({ user: { name: "eve", password: eve, databases: [] } }));
    fake.failNextAdmin = new Error(`could not set ${root} for root`);
    const bare = await failure(client.enableRoot({ password: root }));
    const dup = await failure(client.createUser({ user: { name: "bob", password: bob, databases: [] } }));

    expect(echoed.rawMessage).toBe("create user failed: CREATE ROLE eve LOGIN PASSWORD [redacted] failed");
    expect(bare.rawMessage).toBe("enable root failed: could not set [redacted] for root");
    expect(dup.code).toBe(Code.AlreadyExists);
    const log = lines.join("");
    expect(log).toContain('"rpc":"CreateUser"');
    expect(log).toContain('"rpc":"EnableRoot"');
    for (const secret of [...secrets, prepareRequest.adminPassword, prepareRequest.users[0]!.password]) {
      expect(log).not.toContain(secret);
    }
  });
});
