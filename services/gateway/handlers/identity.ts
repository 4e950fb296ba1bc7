// hoard.v1.IdentityService: users who log in with a password, and their roles in projects (admin
// role only, enforced by the authentication interceptor). Passwords are hashed here and never
// returned; the request interceptor's log redacts any "password" field.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import { IdentityService, IdentityUserSchema, type IdentityUser } from "../../../gen/proto/hoard/v1/identity_pb.js";
import { InvalidArgumentError } from "../../platform/errors.js";
import { hashPassword } from "../../platform/passwords.js";
import { parseRoles } from "../../platform/tokens.js";
import type { IdentityStore, StoredUser } from "../store/identity.js";

export interface IdentityServiceDeps {
  identity: IdentityStore;
  /** A project by id or name; throws NotFoundError. */
  project(idOrName: string): Promise<{ id: string; name: string }>;
}

export function registerIdentityService(router: ConnectRouter, { identity, project }: IdentityServiceDeps): void {
  router.service(IdentityService, {
    async createUser(req) {
      if (req.project && req.roles.length === 0) throw new InvalidArgumentError("roles", "name at least one role for the project (admin, member, reader)");
      if (!req.project && req.roles.length > 0) throw new InvalidArgumentError("project", "roles need a project to hold them in");
      const membership = req.project ? { projectId: (await project(req.project)).id, roles: req.roles } : undefined;
      const user = await identity.createUser({ name: req.name, passwordHash: await hashPassword(req.password), ...(membership ? { membership } : {}) });
      return { user: toUser(user) };
    },
    async listUsers(req) {
      const projectId = req.project ? (await project(req.project)).id : undefined;
      return { users: (await identity.listUsers(projectId)).map(toUser) };
    },
    async getUser(req) {
      return { user: toUser(await identity.user(req.user)) };
    },
    async deleteUser(req) {
      await identity.deleteUser(req.user);
      return {};
    },
    async setUserPassword(req) {
      const user = await identity.user(req.user);
      await identity.setPassword(user.id, await hashPassword(req.password), new Date());
      return { user: toUser(user) };
    },
    async grantRole(req) {
      const user = await identity.user(req.user);
      await identity.grant(user.id, (await project(req.project)).id, req.roles);
      return { user: toUser(await identity.user(user.id)) };
    },
    async revokeRole(req) {
      const user = await identity.user(req.user);
      await identity.revoke(user.id, (await project(req.project)).id, req.roles, new Date());
      return { user: toUser(await identity.user(user.id)) };
    },
  });
}

function toUser(row: StoredUser): IdentityUser {
  return create(IdentityUserSchema, {
    id: row.id,
    name: row.name,
    createdAt: timestampFromDate(row.createdAt),
    memberships: row.memberships.map((m) => ({ projectId: m.projectId, project: m.project.name, roles: parseRoles(m.roles) })),
  });
}
