// Who may do what on a Hoard Redis: the ACL rules of the three kinds of account, the ACL file
// prepare starts from, and the small text chores around ACL rules. Pure, no server needed.
//
//   hoard-admin  the agent's own user: everything; used over the unix socket only (by habit: ACL
//                users cannot be tied to a transport, so its strong password is what protects it).
//   default      Trove's "root" for Redis. Off, with a random password nobody knows, until root is
//                enabled; then on with the password the user chose and every right but changing
//                accounts (which could lock the agent out).
//   users        full data access (every key, channel, database, script), no administration.
import { createHash, randomBytes } from "node:crypto";

/** The agent's ACL user. Users may not take the name: names starting with "hoard" are reserved. */
export const ADMIN_USER = "hoard-admin";

/** Redis's built-in user, which unauthenticated connections act as: Trove's root for Redis. */
export const ROOT_USER = "default";

/** Every key and channel, every command. */
export const FULL_RIGHTS: readonly string[] = Object.freeze(["~*", "&*", "+@all"]);

/**
 * Root: every right but changing accounts. ACL SETUSER/DELUSER/LOAD could switch off or replace
 * the agent's own user and lock Hoard out of the instance; users are made through Hoard's user
 * API instead, as PostgreSQL's root (no CREATEROLE) makes them.
 */
export const ROOT_RIGHTS: readonly string[] = Object.freeze([...FULL_RIGHTS, "-acl|setuser", "-acl|deluser", "-acl|load"]);

/**
 * A normal user: every command on every key and channel, except administration (@admin: ACL,
 * CONFIG, SHUTDOWN, DEBUG, MODULE, MONITOR, CLIENT KILL/LIST/PAUSE, REPLICAOF, SAVE/BGSAVE,
 * SLOWLOG, LATENCY, ...) and @dangerous. From @dangerous, the data commands applications use are
 * given back (KEYS, INFO, FLUSHDB/FLUSHALL, SORT, SWAPDB, RESTORE; clients such as ioredis send
 * INFO on connect); MIGRATE (outbound connections to any host) and cluster internals stay out.
 * CLIENT SETNAME/ID/TRACKING, ACL WHOAMI and the like are not @admin, so they keep working.
 */
export const USER_RULES: readonly string[] = Object.freeze([
  "~*",
  "&*",
  "+@all",
  "-@admin",
  "-@dangerous",
  "+keys",
  "+info",
  "+flushdb",
  "+flushall",
  "+sort",
  "+sort_ro",
  "+swapdb",
  "+restore",
]);

/** How Redis stores a password (`#<hex>` rules, ACL GETUSER): unsalted SHA-256. */
export function passwordHash(password: string): string {
  return createHash("sha256").update(password, "utf8").digest("hex");
}

/** A password nobody is told: what the default user carries while root is not enabled. */
export function unknowablePassword(): string {
  return randomBytes(32).toString("base64url");
}

/** The rules that switch `default` off, take all its rights and forget its password (root disabled). */
export function rootDisabledRules(): string[] {
  return ["reset", "off", `#${passwordHash(unknowablePassword())}`];
}

/** An account as it goes into the first ACL file: only the password's hash is written. */
export interface AclAccount {
  name: string;
  password: string;
}

/**
 * The ACL file of a fresh instance: root disabled, the agent's user, and the prepare spec's users.
 * Redis rewrites this file in its own words on every ACL SAVE; only hashes ever reach the disk.
 */
export function renderAclFile(admin: AclAccount, users: readonly AclAccount[]): string {
  return [
    aclLine(ROOT_USER, rootDisabledRules()),
    adminAclLine(admin.password),
    ...users.map((user) => aclLine(user.name, ["on", `#${passwordHash(user.password)}`, ...USER_RULES])),
    "",
  ].join("\n");
}

/**
 * A restored ACL file: the source instance's users and root as they were, the agent's own user
 * with this instance's password instead of the source's.
 */
export function withAdminOf(aclFile: string, adminPassword: string): string {
  const others = aclFile.split("\n").filter((line) => line.trim() !== "" && rulesOfAclLine(line)?.name !== ADMIN_USER);
  return [...others, adminAclLine(adminPassword), ""].join("\n");
}

function adminAclLine(password: string): string {
  return aclLine(ADMIN_USER, ["on", `#${passwordHash(password)}`, ...FULL_RIGHTS]);
}

function aclLine(name: string, rules: readonly string[]): string {
  return `user ${name} ${rules.join(" ")}`;
}

/**
 * Splits an ACL LIST line ("user alice on #… ~* &* +@all (~tmp:* +get)") into its rules, the
 * name left out, keeping selectors in parentheses whole: they are valid ACL SETUSER arguments as is.
 */
export function rulesOfAclLine(line: string): { name: string; rules: string[] } | undefined {
  const tokens: string[] = [];
  let current = "";
  let depth = 0;
  for (const char of line.trim()) {
    if (char === "(") depth++;
    if (char === ")") depth = Math.max(0, depth - 1);
    if (char === " " && depth === 0) {
      if (current) tokens.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  if (current) tokens.push(current);
  const [keyword, name, ...rules] = tokens;
  if (keyword !== "user" || name === undefined) return undefined;
  return { name, rules };
}

/** Replaces every occurrence of each secret (and its hash) in `text`, for messages from the server. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    out = out.split(secret).join("[redacted]").split(passwordHash(secret)).join("[redacted]");
  }
  return out;
}
