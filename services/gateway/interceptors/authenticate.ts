// Bearer-token authentication and role checks (the rules are ../access-rules.ts), in one place for
// every surface (Connect, gRPC, gRPC-Web and REST all pass through here). Health and reflection stay open, as load balancers
// and grpcurl expect.
import type { Interceptor } from "@connectrpc/connect";
import { PermissionDeniedError, UnauthenticatedError } from "../../platform/errors.js";
import { hashToken } from "../../platform/tokens.js";
import { allows, requiredRole } from "../access-rules.js";
import { principalKey, type Principal } from "../context.js";
import type { TokenStore } from "../store/tokens.js";

const openServices = new Set(["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]);


export function createAuthenticateInterceptor(tokens: TokenStore): Interceptor {
  return (next) => async (req) => {
    if (openServices.has(req.service.typeName)) return next(req);
    const principal = await authenticate(tokens, req.header.get("authorization"));
    const needed = requiredRole(req.service.typeName, req.method.name);
    if (needed === undefined) throw new PermissionDeniedError(`${req.service.name}.${req.method.name} has no access rule, so nobody may call it`);
    if (!allows(principal.roles, needed)) {
      throw new PermissionDeniedError(`${req.service.name}.${req.method.name} needs the ${needed} role; this token has ${principal.roles.join(", ") || "none"}`);
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
