// The fake gateway's DatabaseService, UserService and RootService: per-instance maps standing in for
// the engine the guest agent would talk to. As the real gateway, they answer FAILED_PRECONDITION
// unless the instance is ACTIVE, NOT_FOUND for what does not exist, and never return a password
// except the one EnableRoot generates.
import { randomBytes } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { DatabaseSchema, DatabaseService, type Database } from "../../gen/proto/hoard/v1/database_pb.js";
import { InstanceStatus, type Instance } from "../../gen/proto/hoard/v1/instance_pb.js";
import { RootService } from "../../gen/proto/hoard/v1/root_pb.js";
import { UserSchema, UserService, type User } from "../../gen/proto/hoard/v1/user_pb.js";

/** What the guest services need from the rest of the fake. */
export interface FakeGuestDeps {
  /** Records the call and checks its bearer token. */
  record(method: string, request: unknown, ctx: HandlerContext): void;
  /** The instance by id or name, or NOT_FOUND. */
  instance(id: string): Instance;
}

interface Account {
  name: string;
  host: string;
  password: string;
  databases: string[];
}

/** What lives inside one instance's engine. */
export interface FakeGuest {
  databases: Database[];
  users: Account[];
  rootEnabled: boolean;
  /** The last password EnableRoot handed out, for tests to look for in the output. */
  rootPassword: string;
}

export function registerFakeGuestServices(router: ConnectRouter, deps: FakeGuestDeps): Map<string, FakeGuest> {
  const guests = new Map<string, FakeGuest>();

  /** The ACTIVE instance's guest, created empty on first use. */
  const guest = (instanceId: string): FakeGuest => {
    const instance = deps.instance(instanceId);
    if (instance.status !== InstanceStatus.ACTIVE) {
      throw new ConnectError(`instance "${instance.name}" is not ACTIVE`, Code.FailedPrecondition);
    }
    let found = guests.get(instance.id);
    if (found === undefined) {
      found = { databases: [], users: [], rootEnabled: false, rootPassword: "" };
      guests.set(instance.id, found);
    }
    return found;
  };
  const database = (g: FakeGuest, name: string): Database => {
    const found = g.databases.find((d) => d.name === name);
    if (found === undefined) throw new ConnectError(`database "${name}" not found`, Code.NotFound);
    return found;
  };
  // As the gateway: an empty host matches the name on any host.
  const account = (g: FakeGuest, name: string, host: string): Account => {
    const found = g.users.find((u) => u.name === name && (host === "" || u.host === host));
    if (found === undefined) throw new ConnectError(`user "${host ? `${name}@${host}` : name}" not found`, Code.NotFound);
    return found;
  };
  const view = (a: Account): User => create(UserSchema, { name: a.name, host: a.host, databases: [...a.databases] });

  router.service(DatabaseService, {
    createDatabase(req, ctx) {
      deps.record("CreateDatabase", req, ctx);
      const g = guest(req.instanceId);
      const def = req.database;
      if (def === undefined) throw new ConnectError("database is required", Code.InvalidArgument);
      if (g.databases.some((d) => d.name === def.name)) {
        throw new ConnectError(`database "${def.name}" already exists`, Code.AlreadyExists);
      }
      const created = create(DatabaseSchema, {
        name: def.name,
        characterSet: def.characterSet || "utf8mb4",
        collation: def.collation || "utf8mb4_general_ci",
      });
      g.databases.push(created);
      return { database: created };
    },
    listDatabases(req, ctx) {
      deps.record("ListDatabases", req, ctx);
      return { databases: guest(req.instanceId).databases };
    },
    deleteDatabase(req, ctx) {
      deps.record("DeleteDatabase", req, ctx);
      const g = guest(req.instanceId);
      g.databases.splice(g.databases.indexOf(database(g, req.name)), 1);
      for (const u of g.users) u.databases = u.databases.filter((d) => d !== req.name);
      return {};
    },
  });

  router.service(UserService, {
    createUser(req, ctx) {
      deps.record("CreateUser", req, ctx);
      const g = guest(req.instanceId);
      const def = req.user;
      if (def === undefined) throw new ConnectError("user is required", Code.InvalidArgument);
      const host = def.host || "%";
      if (g.users.some((u) => u.name === def.name && u.host === host)) {
        throw new ConnectError(`user "${def.name}@${host}" already exists`, Code.AlreadyExists);
      }
      def.databases.forEach((d) => database(g, d));
      const created: Account = { name: def.name, host, password: def.password, databases: [...def.databases] };
      g.users.push(created);
      return { user: view(created) };
    },
    listUsers(req, ctx) {
      deps.record("ListUsers", req, ctx);
      return { users: guest(req.instanceId).users.map(view) };
    },
    getUser(req, ctx) {
      deps.record("GetUser", req, ctx);
      return { user: view(account(guest(req.instanceId), req.name, req.host)) };
    },
    deleteUser(req, ctx) {
      deps.record("DeleteUser", req, ctx);
      const g = guest(req.instanceId);
      g.users.splice(g.users.indexOf(account(g, req.name, req.host)), 1);
      return {};
    },
    updateUser(req, ctx) {
      deps.record("UpdateUser", req, ctx);
      const a = account(guest(req.instanceId), req.name, req.host);
      Object.assign(a, { name: req.newName || a.name, host: req.newHost || a.host, password: req.newPassword || a.password });
      return { user: view(a) };
    },
    grantAccess(req, ctx) {
      deps.record("GrantAccess", req, ctx);
      const g = guest(req.instanceId);
      const a = account(g, req.name, req.host);
      req.databases.forEach((d) => database(g, d));
      a.databases = [...new Set([...a.databases, ...req.databases])];
      return {};
    },
    revokeAccess(req, ctx) {
      deps.record("RevokeAccess", req, ctx);
      const a = account(guest(req.instanceId), req.name, req.host);
      if (!a.databases.includes(req.database)) {
        throw new ConnectError(`user "${a.name}" has no access to database "${req.database}"`, Code.NotFound);
      }
      a.databases = a.databases.filter((d) => d !== req.database);
      return {};
    },
    listUserAccess(req, ctx) {
      deps.record("ListUserAccess", req, ctx);
      return { databases: account(guest(req.instanceId), req.name, req.host).databases };
    },
  });

  router.service(RootService, {
    enableRoot(req, ctx) {
      deps.record("EnableRoot", req, ctx);
      const g = guest(req.instanceId);
      Object.assign(g, { rootEnabled: true, rootPassword: randomBytes(18).toString("base64url") });
      return { name: "root", password: g.rootPassword };
    },
    getRootStatus(req, ctx) {
      deps.record("GetRootStatus", req, ctx);
      return { enabled: guest(req.instanceId).rootEnabled };
    },
    disableRoot(req, ctx) {
      deps.record("DisableRoot", req, ctx);
      guest(req.instanceId).rootEnabled = false;
      return {};
    },
  });

  return guests;
}
