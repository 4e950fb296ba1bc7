// /v3/auth/tokens: log in (POST: password or token method, project scope), check a token
// (GET/HEAD with X-Subject-Token), and revoke one (DELETE). Checking and revoking need a working
// X-Auth-Token of an admin, of the same user, or the subject token itself (Keystone's default policy).
import { UnauthenticatedError } from "../../platform/errors.js";
import type { Logger } from "../../platform/logger.js";
import { hashToken } from "../../platform/tokens.js";
import type { TokenInfo, UserTokens } from "../identity/user-tokens.js";
import type { TokenStore } from "../store/tokens.js";
import { parseAuthRequest } from "./auth-request.js";
import { KeystoneError, tokenBody } from "./json.js";

/** What a route answers; the router writes it. */
export interface KeystoneReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface AuthTokenDeps {
  userTokens: UserTokens;
  /** The gateway's token lookup (the same the interceptor uses), for X-Auth-Token. */
  tokens: TokenStore;
  logger: Logger;
}

/** Per request: the catalog for a project (its URLs depend on the request's base URL). */
export type CatalogFn = (projectId: string) => unknown[];

export function createAuthTokenRoutes({ userTokens, tokens, logger }: AuthTokenDeps) {
  /** The subject token a caller may see or revoke; 401 for a bad caller, 404 for a bad subject. */
  async function subjectFor(authToken: string | undefined, subjectToken: string | undefined): Promise<TokenInfo> {
    if (!authToken) throw new KeystoneError(401, "The request you have made requires authentication.");
    const caller = await tokens.findActive(hashToken(authToken), new Date());
    if (!caller) throw new KeystoneError(401, "The request you have made requires authentication.");
    if (!subjectToken) throw new KeystoneError(404, "Could not find token: no X-Subject-Token header.");
    const subject = await userTokens.describe(subjectToken);
    if (!subject) throw new KeystoneError(404, "Could not find token.");
    const sameUser = caller.tokenId === subject.tokenId || (await userTokens.describe(authToken))?.user.id === subject.user.id;
    if (!sameUser && !caller.roles.includes("admin")) throw new KeystoneError(403, "You are not authorized to perform the requested action: identity:validate_token.");
    return subject;
  }

  return {
    async issue(body: unknown, catalog: CatalogFn | undefined): Promise<KeystoneReply> {
      const request = parseAuthRequest(body);
      const who = request.identity.method === "password" ? request.identity.user : { token: true };
      let issued;
      try {
        issued =
          request.identity.method === "password"
            ? await userTokens.withPassword(request.identity.user, request.identity.password, request.scope)
            : await userTokens.withToken(request.identity.token, request.scope);
      } catch (err) {
        if (!(err instanceof UnauthenticatedError)) throw err;
        logger.info({ user: who, method: request.identity.method, reason: err.message }, "keystone login refused");
        throw new KeystoneError(401, err.message);
      }
      logger.info({ userId: issued.user.id, projectId: issued.project.id, method: request.identity.method }, "keystone login");
      const { secret, ...info } = issued;
      return { status: 201, headers: { "x-subject-token": secret }, body: tokenBody(info, catalog?.(info.project.id)) };
    },

    async validate(authToken: string | undefined, subjectToken: string | undefined, catalog: CatalogFn | undefined): Promise<KeystoneReply> {
      const subject = await subjectFor(authToken, subjectToken);
      return { status: 200, headers: { "x-subject-token": subjectToken ?? "" }, body: tokenBody(subject, catalog?.(subject.project.id)) };
    },

    async revoke(authToken: string | undefined, subjectToken: string | undefined): Promise<KeystoneReply> {
      const subject = await subjectFor(authToken, subjectToken);
      await userTokens.revoke(subject);
      logger.info({ userId: subject.user.id, tokenId: subject.tokenId }, "keystone token revoked");
      return { status: 204 };
    },
  };
}

export type AuthTokenRoutes = ReturnType<typeof createAuthTokenRoutes>;
