// Per-request values the interceptors establish and the handlers read.
import { createContextKey } from "@connectrpc/connect";
import type { Logger } from "../platform/logger.js";
import type { Role } from "../platform/tokens.js";

/** Who is calling: the project every query is scoped to, and the token's roles. */
export interface Principal {
  projectId: string;
  roles: readonly Role[];
  tokenId: string;
}

export const principalKey = createContextKey<Principal | undefined>(undefined, { description: "caller" });

export interface RequestScope {
  requestId: string;
  logger: Logger;
}

export const requestScopeKey = createContextKey<RequestScope | undefined>(undefined, { description: "request scope" });

/**
 * The project a request's URL names (Trove's /v1.0/{project_id}/...): the call is refused unless
 * it is the token's own project. Unset for surfaces whose URLs name no project.
 */
export const pathProjectKey = createContextKey<string | undefined>(undefined, { description: "project named by the URL" });
