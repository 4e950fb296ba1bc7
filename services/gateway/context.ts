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
