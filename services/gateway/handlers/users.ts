// hoard.v1.UserService: accounts of an instance's engine and their access, kept by its guest agent.
// Passwords pass through to the agent and are never stored, logged or returned.
import type { ConnectRouter } from "@connectrpc/connect";
import { UserService } from "../../../gen/proto/hoard/v1/user_pb.js";
import { InvalidArgumentError, NotFoundError } from "../../platform/errors.js";
import type { AgentClients } from "../agents.js";
import { hasUserHosts } from "../../platform/datastore-names.js";
import { checkDatabase, checkNewPassword, checkUser, engineOf, requireGrants, requireReady } from "../domain/guest-access.js";
import type { InstanceStore } from "../store/instances.js";
import { loadInstance, requestIdOf } from "./scope.js";

export function registerUserService(router: ConnectRouter, instances: InstanceStore, agents: AgentClients): void {
  /** The named account, as the engine reports it, or NOT_FOUND naming it. */
  async function findUser(agent: ReturnType<AgentClients>, instanceName: string, name: string, host: string) {
    const { users } = await agent.listUsers({});
    const user = users.find((u) => u.name === name && (host === "" || u.host === host || (u.host === "%" && host === "%")));
    if (!user) throw new NotFoundError(`user of instance "${instanceName}"`, host ? `${name}@${host}` : name);
    return { name: user.name, host: user.host, databases: user.databases };
  }

  router.service(UserService, {
    async createUser(req, ctx) {
      const row = await loadInstance(instances, ctx, req.instanceId);
      const user = req.user;
      if (!user) throw new InvalidArgumentError("user", "is required");
      checkUser(row, "user.name", user.name, user.host);
      checkNewPassword("user.password", user.password);
      if (user.databases.length > 0) requireGrants(row);
      user.databases.forEach((db, i) => checkDatabase(row, `user.databases[${i}]`, db));
      requireReady(row);
      await agents(row, requestIdOf(ctx)).createUser({ user: { name: user.name, password: user.password, host: user.host, databases: user.databases } });
      // The effective host: MariaDB's default account host is '%'.
      const host = user.host || (hasUserHosts(engineOf(row)) ? "%" : "");
      return { user: { name: user.name, host, databases: user.databases } };
    },

    async listUsers(req, ctx) {
      const row = await loadInstance(instances, ctx, req.instanceId);
      requireReady(row);
      const { users } = await agents(row, requestIdOf(ctx)).listUsers({});
      return { users: users.map((u) => ({ name: u.name, host: u.host, databases: u.databases })) };
    },

    async getUser(req, ctx) {
      const row = await loadInstance(instances, ctx, req.instanceId);
      checkUser(row, "name", req.name, req.host);
      requireReady(row);
      return { user: await findUser(agents(row, requestIdOf(ctx)), row.name, req.name, req.host) };
    },

    async deleteUser(req, ctx) {
      const row = await loadInstance(instances, ctx, req.instanceId);
      checkUser(row, "name", req.name, req.host);
      requireReady(row);
      await agents(row, requestIdOf(ctx)).deleteUser({ name: req.name, host: req.host });
      return {};
    },

    async updateUser(req, ctx) {
      const row = await loadInstance(instances, ctx, req.instanceId);
      checkUser(row, "name", req.name, req.host);
      if (!req.newName && !req.newPassword && !req.newHost) {
        throw new InvalidArgumentError("new_name", "give at least one of new_name, new_password, new_host");
      }
      if (req.newName) checkUser(row, "new_name", req.newName, "");
      if (req.newHost) checkUser(row, "new_host", req.newName || req.name, req.newHost);
      if (req.newPassword) checkNewPassword("new_password", req.newPassword);
      requireReady(row);
      const agent = agents(row, requestIdOf(ctx));
      await agent.updateUser({ name: req.name, host: req.host, newName: req.newName, newPassword: req.newPassword, newHost: req.newHost });
      return { user: await findUser(agent, row.name, req.newName || req.name, req.newHost || req.host) };
    },

    async grantAccess(req, ctx) {
      const row = await loadInstance(instances, ctx, req.instanceId);
      requireGrants(row);
      checkUser(row, "name", req.name, req.host);
      req.databases.forEach((db, i) => checkDatabase(row, `databases[${i}]`, db));
      requireReady(row);
      await agents(row, requestIdOf(ctx)).grantAccess({ name: req.name, host: req.host, databases: req.databases });
      return {};
    },

    async revokeAccess(req, ctx) {
      const row = await loadInstance(instances, ctx, req.instanceId);
      requireGrants(row);
      checkUser(row, "name", req.name, req.host);
      checkDatabase(row, "database", req.database);
      requireReady(row);
      await agents(row, requestIdOf(ctx)).revokeAccess({ name: req.name, host: req.host, database: req.database });
      return {};
    },

    async listUserAccess(req, ctx) {
      const row = await loadInstance(instances, ctx, req.instanceId);
      requireGrants(row);
      checkUser(row, "name", req.name, req.host);
      requireReady(row);
      const user = await findUser(agents(row, requestIdOf(ctx)), row.name, req.name, req.host);
      return { databases: user.databases };
    },
  });
}
