// Users and root, as ACL users of the server, through an administrative session. Redis has no
// databases and no per-database grants; those calls fail with a precondition naming Redis. Every
// change is followed by ACL SAVE, so the ACL file always holds what the server enforces.
import { checkPassword, checkUserHost, checkUserName } from "../../../../services/platform/datastore-names.js";
import { DatastoreConflictError, DatastoreEngineError, DatastoreNotFoundError, DatastorePreconditionError, DatastoreSpecError } from "../errors.js";
import type { RootCredentials, UserChanges, UserInfo, UserSpec } from "../manager.js";
import { ADMIN_USER, FULL_RIGHTS, ROOT_RIGHTS, ROOT_USER, USER_RULES, passwordHash, rootDisabledRules, rulesOfAclLine } from "./acl.js";
import type { AdminSession } from "./admin-session.js";
import type { RespValue } from "./resp.js";

/** Why database calls fail: Redis's numbered keyspaces are not databases one creates or grants. */
export const NO_DATABASES = "redis has no databases";

/** Why grant and revoke fail: every Redis user reaches every key. */
export const NO_GRANTS = "redis users have no per-database grants";

/** Throws DatastoreSpecError unless `user` is a valid Redis user to create (name, password, no host, no databases). */
export function checkUserSpec(user: UserSpec): void {
  checkName(user.name);
  checkHost(user.host ?? "");
  const problem = checkPassword(user.password);
  if (problem) throw new DatastoreSpecError(`user ${JSON.stringify(user.name)}: ${problem}`);
  if (user.databases.length > 0) throw new DatastoreSpecError(`user ${JSON.stringify(user.name)}: ${NO_DATABASES}; leave databases empty`);
}

/** Users as the API shows them: the agent's user and `default` (root) left out. */
export async function listUsers(session: AdminSession): Promise<UserInfo[]> {
  const names = strings(await session.call(["ACL", "USERS"]));
  return names
    .filter((name) => name !== ROOT_USER && name !== ADMIN_USER)
    .sort()
    .map((name) => ({ name, host: "", databases: [] }));
}

/** Creates a normal user; DatastoreConflictError when the name is taken. */
export async function createUser(session: AdminSession, spec: UserSpec): Promise<void> {
  checkUserSpec(spec);
  if ((await findAclLine(session, spec.name)) !== undefined) throw new DatastoreConflictError(`user ${JSON.stringify(spec.name)} already exists`);
  await session.call(["ACL", "SETUSER", spec.name, "on", `>${spec.password}`, ...USER_RULES], { secrets: [spec.password] });
  try {
    await aclSave(session);
  } catch (err) {
    // Not on disk, so not created: a retry must not find it and answer Conflict.
    await session.call(["ACL", "DELUSER", spec.name]).catch(() => {});
    throw err;
  }
}

/** Creates each user or resets it to the spec (password and normal-user rules): what a repeated prepare does. */
export async function ensureUsers(session: AdminSession, users: readonly UserSpec[]): Promise<void> {
  for (const user of users) {
    await session.call(["ACL", "SETUSER", user.name, "reset", "on", `>${user.password}`, ...USER_RULES], { secrets: [user.password] });
  }
  if (users.length > 0) await aclSave(session);
}

/** Deletes a user (Redis disconnects its clients); DatastoreNotFoundError when there is none. */
export async function deleteUser(session: AdminSession, name: string, host: string): Promise<void> {
  checkName(name);
  checkHost(host);
  const deleted = await session.call(["ACL", "DELUSER", name]);
  if (deleted === 0) throw notFound(name);
  await aclSave(session);
}

/**
 * Changes a user's password and/or name. A rename creates the new user with the old one's rules
 * and password hashes (so its password keeps working unless a new one is given), then deletes the
 * old one, whose clients Redis disconnects. Hosts do not exist on Redis: a new host is refused.
 */
export async function updateUser(session: AdminSession, name: string, host: string, changes: UserChanges): Promise<void> {
  checkName(name);
  checkHost(host);
  if (changes.newHost !== undefined) checkHost(changes.newHost);
  if (changes.password !== undefined) {
    const problem = checkPassword(changes.password);
    if (problem) throw new DatastoreSpecError(problem);
  }
  const renameTo = changes.newName !== undefined && changes.newName !== name ? changes.newName : undefined;
  if (renameTo !== undefined) checkName(renameTo);

  const line = await findAclLine(session, name);
  if (line === undefined) throw notFound(name);
  const secrets = changes.password === undefined ? [] : [changes.password];
  const passwordRules = changes.password === undefined ? [] : ["resetpass", `>${changes.password}`];
  if (renameTo === undefined) {
    if (passwordRules.length === 0) return;
    await session.call(["ACL", "SETUSER", name, ...passwordRules], { secrets });
    await aclSave(session);
    return;
  }
  if ((await findAclLine(session, renameTo)) !== undefined) throw new DatastoreConflictError(`user ${JSON.stringify(renameTo)} already exists`);
  const parsed = rulesOfAclLine(line);
  if (!parsed) throw new DatastoreEngineError(`cannot read the ACL rules of user ${JSON.stringify(name)}`);
  const hashes = parsed.rules.filter((rule) => rule.startsWith("#")).map((rule) => rule.slice(1));
  await session.call(["ACL", "SETUSER", renameTo, ...parsed.rules, ...passwordRules], { secrets: [...secrets, ...hashes] });
  try {
    await session.call(["ACL", "DELUSER", name]);
  } catch (err) {
    await session.call(["ACL", "DELUSER", renameTo]).catch(() => {}); // put things back as they were
    throw err;
  }
  await aclSave(session);
}

/** Turns `default` on with `password` and every right: Redis's root. */
export async function enableRoot(session: AdminSession, password: string): Promise<RootCredentials> {
  const problem = checkPassword(password);
  if (problem) throw new DatastoreSpecError(problem);
  await session.call(["ACL", "SETUSER", ROOT_USER, "reset", "on", `>${password}`, ...ROOT_RIGHTS], { secrets: [password] });
  await aclSave(session);
  return { name: ROOT_USER, password };
}

/** Whether `default` is on, which it only is after enableRoot: the server's own ACL is the record. */
export async function rootEnabled(session: AdminSession): Promise<boolean> {
  const reply = await session.call(["ACL", "GETUSER", ROOT_USER]);
  return strings(field(reply, "flags")).includes("on");
}

/**
 * Turns `default` off with a fresh password nobody knows and no rights, and disconnects its
 * clients (a MONITOR or a blocked command would otherwise outlive the change). This also drops
 * connections that have not authenticated yet, which act as `default` until they do; their
 * clients reconnect. No-op when root is not enabled.
 */
export async function disableRoot(session: AdminSession): Promise<void> {
  if (!(await rootEnabled(session))) return;
  await session.call(["ACL", "SETUSER", ROOT_USER, ...rootDisabledRules()]);
  await aclSave(session);
  await session.call(["CLIENT", "KILL", "USER", ROOT_USER]);
}

/**
 * Gives the agent's user `next` as its password without a moment in which the stored password
 * does not work: both are valid while the secret file is replaced, then the old one is removed.
 */
export async function rotateAdminPassword(
  session: AdminSession,
  current: string,
  next: string,
  store: (password: string) => Promise<void>,
): Promise<void> {
  if (current === next) return;
  const secrets = [current, next];
  await session.call(["ACL", "SETUSER", ADMIN_USER, "on", `>${next}`, ...FULL_RIGHTS], { secrets });
  await aclSave(session);
  await store(next);
  await session.call(["ACL", "SETUSER", ADMIN_USER, `!${passwordHash(current)}`], { secrets });
  await aclSave(session);
}

/** The precondition errors of the calls Redis cannot serve. */
export function noDatabases(): never {
  throw new DatastorePreconditionError(NO_DATABASES);
}
export function noGrants(): never {
  throw new DatastorePreconditionError(NO_GRANTS);
}

async function aclSave(session: AdminSession): Promise<void> {
  await session.call(["ACL", "SAVE"]);
}

/** The user's line of ACL LIST ("user alice on #… ~* …"), or undefined when there is no such user. */
async function findAclLine(session: AdminSession, name: string): Promise<string | undefined> {
  const prefix = `user ${name} `;
  return strings(await session.call(["ACL", "LIST"])).find((line) => line.startsWith(prefix));
}

function checkName(name: string): void {
  const problem = checkUserName("redis", name);
  if (problem) throw new DatastoreSpecError(problem);
}

function checkHost(host: string): void {
  const problem = checkUserHost("redis", host);
  if (problem) throw new DatastoreSpecError(problem);
}

function notFound(name: string): DatastoreNotFoundError {
  return new DatastoreNotFoundError(`user ${JSON.stringify(name)} does not exist`);
}

/** A field of a flat key/value array reply (ACL GETUSER). */
function field(reply: RespValue, name: string): RespValue {
  if (!Array.isArray(reply)) return null;
  const at = reply.indexOf(name);
  return at >= 0 && at % 2 === 0 ? (reply[at + 1] ?? null) : null;
}

function strings(value: RespValue): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}
