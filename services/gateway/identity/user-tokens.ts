// Logging users in: a password (or a token the user already holds) and a project scope become a
// bearer token, stored as an api_tokens row with the user's roles in that project and an expiry,
// so the one authentication interceptor accepts it on every surface and revoking it works at once.
// Every refusal reads the same, whether the user, the password or the project was wrong.
import { UnauthenticatedError } from "../../platform/errors.js";
import { hashPassword, needsRehash, verifyAgainstDecoy, verifyPassword } from "../../platform/passwords.js";
import { hashToken, newToken, parseRoles, type Role } from "../../platform/tokens.js";
import type { IdentityStore, StoredToken } from "../store/identity.js";

/** A project named by id, or by name (in the one "Default" domain, checked by the caller). */
export type ProjectRef = { id: string } | { name: string };
export type UserRef = { id: string } | { name: string };

/** What a working token stands for. */
export interface TokenInfo {
  tokenId: string;
  user: { id: string; name: string };
  project: { id: string; name: string };
  roles: Role[];
  methods: string[];
  issuedAt: Date;
  expiresAt: Date;
}

/** A new token: its secret (shown once) and what it stands for. */
export interface IssuedToken extends TokenInfo {
  secret: string;
}

export interface UserTokenOptions {
  /** Lifetime of a token from a password login. */
  ttlSeconds: number;
  now?: () => Date;
}

/** Keystone's words for every failed login. */
const refused = "The request you have made requires authentication.";

export function createUserTokens(store: IdentityStore, options: UserTokenOptions) {
  const now = options.now ?? (() => new Date());

  /** The project a login is for: the named one where the user has roles, or its only one. */
  async function scopeFor(userId: string, scope: ProjectRef | undefined) {
    if (scope === undefined) {
      const all = await store.memberships(userId);
      if (all.length === 1 && all[0]) return all[0];
      throw new UnauthenticatedError(all.length === 0 ? "the user has no role in any project" : "name the project to log in to (the user has roles in several)");
    }
    const project = await store.findProject(scope);
    const membership = project && (await store.membership(userId, project.id));
    if (!membership) throw new UnauthenticatedError(`the user has no role in project ${"id" in scope ? scope.id : scope.name}`);
    return membership;
  }

  async function issue(user: { id: string; name: string }, scope: ProjectRef | undefined, methods: string[], expiresAt?: Date): Promise<IssuedToken> {
    const membership = await scopeFor(user.id, scope);
    const roles = parseRoles(membership.roles);
    const issuedAt = now();
    const secret = newToken();
    const row = await store.createUserToken({
      userId: user.id,
      projectId: membership.projectId,
      tokenHash: hashToken(secret),
      roles,
      methods,
      expiresAt: expiresAt ?? new Date(issuedAt.getTime() + options.ttlSeconds * 1000),
      now: issuedAt,
    });
    return { secret, ...infoOf(row, user) };
  }

  /** A token row that works at `now` and belongs to a user, as TokenInfo. */
  function active(row: StoredToken | null): TokenInfo | undefined {
    if (!row?.user || row.revokedAt || !row.expiresAt || row.expiresAt <= now()) return undefined;
    return infoOf(row, row.user);
  }

  return {
    /** Password login; unknown user and wrong password look alike (and take as long). */
    async withPassword(userRef: UserRef, password: string, scope?: ProjectRef): Promise<IssuedToken> {
      const user = await store.findUser(userRef);
      const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDecoy(password);
      if (!user || !ok) throw new UnauthenticatedError(refused);
      if (needsRehash(user.passwordHash)) await store.rehash(user.id, await hashPassword(password));
      return issue(user, scope, ["password"]);
    },

    /**
     * A new token for another (or the same) project from a working one; it expires when the
     * original does, so rescoping cannot extend a login.
     */
    async withToken(secret: string, scope?: ProjectRef): Promise<IssuedToken> {
      const info = active(await store.tokenByHash(hashToken(secret)));
      if (!info) throw new UnauthenticatedError(refused);
      const methods = info.methods.includes("token") ? info.methods : [...info.methods, "token"];
      return issue(info.user, scope, methods, info.expiresAt);
    },

    /** What a user's token stands for; undefined when it is unknown, expired, revoked or not a user's. */
    async describe(secret: string): Promise<TokenInfo | undefined> {
      return active(await store.tokenByHash(hashToken(secret)));
    },

    /** Stops a token working at once. */
    async revoke(info: TokenInfo): Promise<void> {
      await store.revokeToken(info.tokenId, now());
    },
  };
}

function infoOf(row: StoredToken | Omit<StoredToken, "user">, user: { id: string; name: string }): TokenInfo {
  return {
    tokenId: row.id,
    user: { id: user.id, name: user.name },
    project: { id: row.project.id, name: row.project.name },
    roles: parseRoles(row.roles),
    methods: (row.methods ?? "").split(",").filter(Boolean),
    issuedAt: row.createdAt,
    expiresAt: row.expiresAt ?? row.createdAt,
  };
}

export type UserTokens = ReturnType<typeof createUserTokens>;
