// Token lookups for authentication. The only place the gateway reads api_tokens.
import type { Db } from "../../platform/db/index.js";
import { parseRoles } from "../../platform/tokens.js";
import type { Principal } from "../context.js";

export interface TokenStore {
  /** The principal of a token hash that is neither revoked nor expired at `now`. */
  findActive(tokenHash: string, now: Date): Promise<Principal | undefined>;
}

export function createTokenStore(db: Db): TokenStore {
  return {
    async findActive(tokenHash, now) {
      const token = await db.apiToken.findUnique({ where: { tokenHash } });
      if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= now)) return undefined;
      return { projectId: token.projectId, roles: parseRoles(token.roles), tokenId: token.id };
    },
  };
}
