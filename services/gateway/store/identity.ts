// Users, their memberships in projects, and the tokens they log in for. The only place the gateway
// reads or writes users and memberships. Roles are stored as a comma-separated subset of
// admin,member,reader, as on api_tokens.
import { isUniqueViolation, type Db } from "../../platform/db/index.js";
import { AlreadyExistsError, NotFoundError } from "../../platform/errors.js";
import { joinRoles, parseRoles } from "../../platform/tokens.js";

const withMemberships = { memberships: { include: { project: true }, orderBy: { createdAt: "asc" as const } } };

export function createIdentityStore(db: Db) {
  async function user(idOrName: string) {
    const found = await db.user.findFirst({ where: { OR: [{ id: idOrName }, { name: idOrName }] }, include: withMemberships });
    if (!found) throw new NotFoundError("user", idOrName);
    return found;
  }

  /** Revokes a user's tokens that still work (of one project, or all); at `now`, so they stop at once. */
  function revokeUserTokens(tx: Pick<Db, "apiToken">, userId: string, now: Date, projectId?: string) {
    return tx.apiToken.updateMany({ where: { userId, ...(projectId ? { projectId } : {}), revokedAt: null }, data: { revokedAt: now } });
  }

  return {
    user,

    /** A user by exact id or exact name, for a login; undefined (not an error) when there is none. */
    findUser: (ref: { id: string } | { name: string }) => db.user.findUnique({ where: "id" in ref ? { id: ref.id } : { name: ref.name } }),

    async createUser(u: { name: string; passwordHash: string; membership?: { projectId: string; roles: readonly string[] } }) {
      try {
        return await db.user.create({
          data: {
            name: u.name,
            passwordHash: u.passwordHash,
            ...(u.membership ? { memberships: { create: { projectId: u.membership.projectId, roles: joinRoles(u.membership.roles) } } } : {}),
          },
          include: withMemberships,
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new AlreadyExistsError("user", u.name);
        throw err;
      }
    },

    listUsers: (projectId?: string) =>
      db.user.findMany({ where: projectId ? { memberships: { some: { projectId } } } : {}, include: withMemberships, orderBy: { name: "asc" } }),

    /** Deletes the user; its memberships and tokens go with it (cascade), so its tokens stop at once. */
    async deleteUser(idOrName: string) {
      const found = await user(idOrName);
      await db.user.delete({ where: { id: found.id } });
    },

    /** New password; the tokens the user logged in for stop working, as Keystone does. */
    async setPassword(userId: string, passwordHash: string, now: Date) {
      await db.$transaction(async (tx) => {
        await tx.user.update({ where: { id: userId }, data: { passwordHash } });
        await revokeUserTokens(tx, userId, now);
      });
    },

    /** Same password, stronger hash (after a login with a hash of older parameters); tokens stay. */
    rehash: (userId: string, passwordHash: string) => db.user.update({ where: { id: userId }, data: { passwordHash } }),

    async grant(userId: string, projectId: string, roles: readonly string[]) {
      await db.$transaction(async (tx) => {
        const existing = await tx.membership.findUnique({ where: { userId_projectId: { userId, projectId } } });
        const merged = joinRoles([...(existing ? parseRoles(existing.roles) : []), ...roles]);
        await tx.membership.upsert({ where: { userId_projectId: { userId, projectId } }, create: { userId, projectId, roles: merged }, update: { roles: merged } });
      });
    },

    /**
     * Takes roles away (all when `roles` is empty; the membership goes when none are left) and
     * revokes the user's tokens for the project, which carry the roles they were issued with.
     */
    async revoke(userId: string, projectId: string, roles: readonly string[], now: Date) {
      await db.$transaction(async (tx) => {
        const existing = await tx.membership.findUnique({ where: { userId_projectId: { userId, projectId } } });
        if (existing) {
          const left = roles.length === 0 ? "" : joinRoles(parseRoles(existing.roles).filter((r) => !roles.includes(r)));
          if (left === "") await tx.membership.delete({ where: { userId_projectId: { userId, projectId } } });
          else await tx.membership.update({ where: { userId_projectId: { userId, projectId } }, data: { roles: left } });
        }
        await revokeUserTokens(tx, userId, now, projectId);
      });
    },

    membership: (userId: string, projectId: string) => db.membership.findUnique({ where: { userId_projectId: { userId, projectId } }, include: { project: true } }),
    memberships: (userId: string) => db.membership.findMany({ where: { userId }, include: { project: true } }),

    /** A project by exact id or by exact name (Keystone scopes say which). */
    findProject: (ref: { id: string } | { name: string }) => db.project.findUnique({ where: "id" in ref ? { id: ref.id } : { name: ref.name } }),

    /** Records a token a user logged in for, and drops the user's tokens that expired a day ago or more. */
    async createUserToken(t: { userId: string; projectId: string; tokenHash: string; roles: readonly string[]; methods: readonly string[]; expiresAt: Date; now: Date }) {
      const staleBefore = new Date(t.now.getTime() - 24 * 3600 * 1000);
      await db.apiToken.deleteMany({ where: { userId: t.userId, expiresAt: { lt: staleBefore } } });
      return db.apiToken.create({
        data: {
          userId: t.userId,
          projectId: t.projectId,
          name: `login (${t.methods.join(", ")})`,
          tokenHash: t.tokenHash,
          roles: joinRoles(t.roles),
          methods: t.methods.join(","),
          expiresAt: t.expiresAt,
          createdAt: t.now,
        },
        include: { user: true, project: true },
      });
    },

    /** A token by its hash with its user and project, whatever its state (the caller checks). */
    tokenByHash: (tokenHash: string) => db.apiToken.findUnique({ where: { tokenHash }, include: { user: true, project: true } }),

    /** Revokes one token (by id); revoking twice keeps the first time. */
    revokeToken: (id: string, now: Date) => db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } }),
  };
}

export type IdentityStore = ReturnType<typeof createIdentityStore>;
export type StoredUser = Awaited<ReturnType<IdentityStore["user"]>>;
export type StoredToken = NonNullable<Awaited<ReturnType<IdentityStore["tokenByHash"]>>>;
