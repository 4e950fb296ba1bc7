// Trove's user routes over UserService. A user in a URL is "name" or "name@host" (troveclient
// percent-quotes it, "." as "%2e"; the router has decoded it already); Hoard names cannot hold "@".
import type { User } from "../../../gen/proto/hoard/v1/user_pb.js";
import { badRequestFault } from "./faults.js";
import { names, optObjects, optString, reqString, wrapped, type JsonObject } from "./json-body.js";
import { listBody, paginate } from "./pagination.js";
import type { TroveRequest, TroveRoute } from "./router.js";

/** "name@host" -> {name, host}; no "@" means any host (Hoard's empty host). */
export function parseUserRef(ref: string): { name: string; host: string } {
  const at = ref.lastIndexOf("@");
  return at < 0 ? { name: ref, host: "" } : { name: ref.slice(0, at), host: ref.slice(at + 1) };
}

function userView(u: User): Record<string, unknown> {
  return { name: u.name, host: u.host === "" ? "%" : u.host, databases: u.databases.map((name) => ({ name })) };
}

function bodyList(body: unknown, key: string): JsonObject[] {
  const list = optObjects(typeof body === "object" && body !== null ? (body as JsonObject) : {}, key, "body");
  if (!list || list.length === 0) throw badRequestFault(`the body must be {"${key}": [...]}`);
  return list;
}

function target(req: TroveRequest) {
  return { instanceId: req.params.id ?? "", ...parseUserRef(req.params.user ?? "") };
}

export const userRoutes: TroveRoute[] = [
  {
    method: "GET",
    path: "/instances/{id}/users",
    handle: async (req) => {
      const id = req.params.id ?? "";
      const { users } = await req.rpc.users.listUsers({ instanceId: id });
      const page = paginate(users, (u) => (u.host === "" ? u.name : `${u.name}@${u.host}`), req.query, req.links.url(`/instances/${encodeURIComponent(id)}/users`));
      return { status: 200, body: listBody("users", { page: page.page.map(userView), links: page.links }) };
    },
  },
  {
    method: "POST",
    path: "/instances/{id}/users",
    handle: async (req) => {
      // Read the whole list before creating anything, so a bad entry changes nothing.
      const defs = bodyList(req.body, "users").map((u, i) => ({
        name: reqString(u, "name", `users[${i}]`),
        password: reqString(u, "password", `users[${i}]`),
        host: optString(u, "host", `users[${i}]`) ?? "",
        databases: names(optObjects(u, "databases", `users[${i}]`) ?? [], `users[${i}].databases`),
      }));
      for (const user of defs) await req.rpc.users.createUser({ instanceId: req.params.id ?? "", user });
      return { status: 202 };
    },
  },
  {
    // Change passwords: {"users": [{"name", "password", "host"?}]}.
    method: "PUT",
    path: "/instances/{id}/users",
    handle: async (req) => {
      const changes = bodyList(req.body, "users").map((u, i) => ({
        name: reqString(u, "name", `users[${i}]`),
        host: optString(u, "host", `users[${i}]`) ?? "",
        newPassword: reqString(u, "password", `users[${i}]`),
      }));
      for (const c of changes) await req.rpc.users.updateUser({ instanceId: req.params.id ?? "", ...c });
      return { status: 202 };
    },
  },
  {
    method: "GET",
    path: "/instances/{id}/users/{user}",
    handle: async (req) => {
      const { user } = await req.rpc.users.getUser(target(req));
      return { status: 200, body: { user: user ? userView(user) : {} } };
    },
  },
  {
    method: "PUT",
    path: "/instances/{id}/users/{user}",
    handle: async (req) => {
      const u = wrapped(req.body, "user");
      const newName = optString(u, "name", "user") ?? "";
      const newPassword = optString(u, "password", "user") ?? "";
      const newHost = optString(u, "host", "user") ?? "";
      if (newName === "" && newPassword === "" && newHost === "") throw badRequestFault("user: set name, password or host");
      await req.rpc.users.updateUser({ ...target(req), newName, newPassword, newHost });
      return { status: 202 };
    },
  },
  {
    method: "DELETE",
    path: "/instances/{id}/users/{user}",
    handle: async (req) => (await req.rpc.users.deleteUser(target(req)), { status: 202 }),
  },
  {
    method: "GET",
    path: "/instances/{id}/users/{user}/databases",
    handle: async (req) => {
      const { databases } = await req.rpc.users.listUserAccess(target(req));
      return { status: 200, body: { databases: databases.map((name) => ({ name })) } };
    },
  },
  {
    method: "PUT",
    path: "/instances/{id}/users/{user}/databases",
    handle: async (req) => {
      await req.rpc.users.grantAccess({ ...target(req), databases: names(bodyList(req.body, "databases"), "databases") });
      return { status: 202 };
    },
  },
  {
    method: "DELETE",
    path: "/instances/{id}/users/{user}/databases/{database}",
    handle: async (req) => {
      await req.rpc.users.revokeAccess({ ...target(req), database: req.params.database ?? "" });
      return { status: 202 };
    },
  },
];
