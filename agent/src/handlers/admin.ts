// The administrative RPCs of GuestAgentService (databases, users, grants, root), engine-agnostic:
// check the request against the engine's name rules and capabilities, then call DatastoreAdmin
// through the lifecycle, which refuses while the instance is not ready. Passwords go to the
// lifecycle's scrubber before anything can fail, and requests are never logged.
import type { ServiceImpl } from "@connectrpc/connect";
import type { GuestAgentService } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { FailedPreconditionError, InvalidArgumentError } from "../../../services/platform/errors.js";
import type { DatastoreCapabilities } from "../datastores/manager.js";
import type { Lifecycle } from "../lifecycle.js";
import { databaseName, databaseNames, password, toDatabaseSpec, toUserChanges, toUserSpec, userHost, userName, type Engine } from "./admin-requests.js";

type AdminRpcs =
  | "listDatabases"
  | "createDatabase"
  | "deleteDatabase"
  | "listUsers"
  | "createUser"
  | "deleteUser"
  | "updateUser"
  | "grantAccess"
  | "revokeAccess"
  | "enableRoot"
  | "getRootStatus"
  | "disableRoot";

/** The administrative part of the service implementation. */
export function adminHandlers(engine: Engine, lifecycle: Lifecycle): Pick<ServiceImpl<typeof GuestAgentService>, AdminRpcs> {
  const what = engine ?? "this datastore";
  const require = (capability: keyof DatastoreCapabilities, lacking: string): void => {
    if (!lifecycle.capabilities[capability]) throw new FailedPreconditionError(`${what} ${lacking}`);
  };
  const databases = (): void => require("databases", "has no databases");
  const grants = (): void => require("grants", "cannot grant or revoke access to databases");

  return {
    async listDatabases(_req, ctx) {
      databases();
      const found = await lifecycle.admin("list databases", (a) => a.listDatabases(), { signal: ctx.signal });
      return { databases: found.map((db) => ({ name: db.name, characterSet: db.characterSet, collation: db.collation })) };
    },
    async createDatabase(req, ctx) {
      databases();
      const spec = toDatabaseSpec(engine, req.database);
      await lifecycle.admin("create database", (a) => a.createDatabase(spec), { signal: ctx.signal });
      return {};
    },
    async deleteDatabase(req, ctx) {
      databases();
      const name = databaseName(engine, "name", req.name);
      await lifecycle.admin("delete database", (a) => a.deleteDatabase(name), { signal: ctx.signal });
      return {};
    },

    async listUsers(_req, ctx) {
      const found = await lifecycle.admin("list users", (a) => a.listUsers(), { signal: ctx.signal });
      return { users: found.map((u) => ({ name: u.name, host: u.host, databases: [...u.databases] })) };
    },
    async createUser(req, ctx) {
      const secrets = req.user?.password ? [req.user.password] : [];
      const spec = toUserSpec(engine, req.user);
      if (spec.databases.length > 0) databases();
      await lifecycle.admin("create user", (a) => a.createUser(spec), { secrets, signal: ctx.signal });
      return {};
    },
    async deleteUser(req, ctx) {
      const name = userName(engine, "name", req.name);
      const host = userHost(engine, "host", req.host);
      await lifecycle.admin("delete user", (a) => a.deleteUser(name, host), { signal: ctx.signal });
      return {};
    },
    async updateUser(req, ctx) {
      const secrets = req.newPassword ? [req.newPassword] : [];
      const name = userName(engine, "name", req.name);
      const host = userHost(engine, "host", req.host);
      const changes = toUserChanges(engine, req);
      await lifecycle.admin("update user", (a) => a.updateUser(name, host, changes), { secrets, signal: ctx.signal });
      return {};
    },
    async grantAccess(req, ctx) {
      grants();
      const name = userName(engine, "name", req.name);
      const host = userHost(engine, "host", req.host);
      if (req.databases.length === 0) throw new InvalidArgumentError("databases", "must name at least one database");
      const names = [...databaseNames(engine, "databases", req.databases)];
      await lifecycle.admin("grant access", (a) => a.grantAccess(name, host, names), { signal: ctx.signal });
      return {};
    },
    async revokeAccess(req, ctx) {
      grants();
      const name = userName(engine, "name", req.name);
      const host = userHost(engine, "host", req.host);
      const database = databaseName(engine, "database", req.database);
      await lifecycle.admin("revoke access", (a) => a.revokeAccess(name, host, database), { signal: ctx.signal });
      return {};
    },

    async enableRoot(req, ctx) {
      const secrets = req.password ? [req.password] : [];
      const pw = password("password", req.password);
      const root = await lifecycle.admin("enable root", (a) => a.enableRoot(pw), { secrets, signal: ctx.signal });
      return { name: root.name };
    },
    async getRootStatus(_req, ctx) {
      return { enabled: await lifecycle.admin("get root status", (a) => a.rootEnabled(), { signal: ctx.signal }) };
    },
    async disableRoot(_req, ctx) {
      await lifecycle.admin("disable root", (a) => a.disableRoot(), { signal: ctx.signal });
      return {};
    },
  };
}
