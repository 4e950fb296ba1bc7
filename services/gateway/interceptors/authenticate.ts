// Bearer-token authentication and role checks, in one place for every surface (Connect, gRPC,
// gRPC-Web and REST all pass through here). Health and reflection stay open, as load balancers
// and grpcurl expect.
import type { Interceptor } from "@connectrpc/connect";
import { PermissionDeniedError, UnauthenticatedError } from "../../platform/errors.js";
import { hashToken } from "../../platform/tokens.js";
import { principalKey, type Principal } from "../context.js";
import type { TokenStore } from "../store/tokens.js";

const openServices = new Set(["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]);

/** Services only operators may call, whatever the method. */
const adminServices = new Set(["hoard.v1.ManageService"]);

/** Methods a reader may call: the ones that only read. Everything else needs member or admin. */
function isReadOnly(method: string): boolean {
  return method.startsWith("Get") || method.startsWith("List");
}

export function createAuthenticateInterceptor(tokens: TokenStore): Interceptor {
  return (next) => async (req) => {
    if (openServices.has(req.service.typeName)) return next(req);
    const principal = await authenticate(tokens, req.header.get("authorization"));
    if (adminServices.has(req.service.typeName) && !principal.roles.includes("admin")) {
      throw new PermissionDeniedError(`${req.service.name}.${req.method.name} needs the admin role`);
    }
    if (!isReadOnly(req.method.name) && !principal.roles.some((r) => r === "admin" || r === "member")) {
      throw new PermissionDeniedError(`role reader may not call ${req.method.name}`);
    }
    req.contextValues.set(principalKey, principal);
    return next(req);
  };
}

async function authenticate(tokens: TokenStore, authorization: string | null): Promise<Principal> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  if (!match?.[1]) throw new UnauthenticatedError("missing bearer token (Authorization: Bearer <token>)");
  const found = await tokens.findActive(hashToken(match[1]), new Date());
  if (!found) throw new UnauthenticatedError("invalid, expired or revoked token");
  return found;
}
