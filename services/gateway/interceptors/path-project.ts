// Refuses a call whose URL names another project than the token's (Trove's rule that the
// {project_id} of /v1.0/{project_id}/... must be the caller's). It runs after authentication, so
// a bad token is still 401 and only a good token on the wrong path is 403. Admins get no
// exception: every public RPC acts on the token's own project (handlers/scope.ts).
import type { Interceptor } from "@connectrpc/connect";
import { PermissionDeniedError } from "../../platform/errors.js";
import { pathProjectKey, principalKey } from "../context.js";

export function createPathProjectInterceptor(): Interceptor {
  return (next) => (req) => {
    const named = req.contextValues.get(pathProjectKey);
    const principal = req.contextValues.get(principalKey);
    if (named !== undefined && named !== principal?.projectId) {
      throw new PermissionDeniedError(`this token belongs to another project than "${named}", the project in the URL`);
    }
    return next(req);
  };
}
