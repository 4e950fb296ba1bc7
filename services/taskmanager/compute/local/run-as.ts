// Which unprivileged account the engine runs as. The agent runs as root (it mounts, chowns and
// supervises); database servers must not, and PostgreSQL refuses to.

import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { runCommand } from "./run-command.js";

/** The engine's OS account as written into instance.json. */
export interface RunAs {
  user: string;
  uid: number;
  gid: number;
}

const DEFAULT_CANDIDATES = ["hoard", "postgres", "nobody"] as const;

/**
 * Resolves the engine account: the configured user (which must exist), else as root the first of
 * hoard/postgres/nobody that exists; not as root, null (the engine runs as whoever runs the agent).
 */
export async function resolveRunAs(configured: string | undefined, isRoot: boolean): Promise<RunAs | null> {
  if (configured !== undefined) {
    const found = await lookupUser(configured);
    if (!found) throw new Error(`runAsUser "${configured}" does not exist on this host`);
    return found;
  }
  if (!isRoot) return null;
  for (const name of DEFAULT_CANDIDATES) {
    const found = await lookupUser(name);
    if (found) return found;
  }
  throw new Error(`none of the default engine accounts exist: ${DEFAULT_CANDIDATES.join(", ")}`);
}

/** Prefix of the accounts Hoard creates per instance; destroy only ever removes accounts with it. */
export const INSTANCE_ACCOUNT_PREFIX = "hoard-";

/** The per-instance account's name: short enough for every tool (32 chars), valid for useradd. */
export function instanceAccountName(instanceId: string): string {
  return `${INSTANCE_ACCOUNT_PREFIX}${instanceId.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 16)}`;
}

/**
 * Creates the system account (and its own group) when missing. useradd takes a lock on
 * /etc/passwd, so concurrent ensures are serialised by the caller; "already exists" from a racing
 * creator is fine.
 */
export async function ensureAccount(name: string): Promise<RunAs> {
  const known = await localAccount(name);
  if (known) return known;
  await runCommand(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name], {
    okExitCodes: [9],
    timeoutMs: 30_000,
  });
  const made = await localAccount(name);
  if (!made) throw new Error(`account ${name} was not created`);
  return made;
}

/**
 * An account useradd made, read straight from /etc/passwd: these are always local accounts, and
 * reading the file costs far less than a getent process on the provisioning path.
 */
async function localAccount(name: string): Promise<RunAs | undefined> {
  const line = (await readFile("/etc/passwd", "utf8")).split("\n").find((l) => l.startsWith(`${name}:`));
  const fields = line?.split(":") ?? [];
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  return line && Number.isInteger(uid) && Number.isInteger(gid) ? { user: name, uid, gid } : undefined;
}

/** Removes a per-instance account and its group; a missing one is fine. */
export async function removeAccount(name: string): Promise<void> {
  if (!name.startsWith(INSTANCE_ACCOUNT_PREFIX)) return;
  await runCommand(["userdel", name], { okExitCodes: [6], timeoutMs: 30_000 });
}

/** Looks a user up through NSS (`getent passwd`), so LDAP/sssd accounts work too. */
async function lookupUser(name: string): Promise<RunAs | undefined> {
  const result = await runCommand(["getent", "passwd", name], { okExitCodes: [2], timeoutMs: 10_000 });
  if (result.exitCode !== 0) return undefined;
  const fields = result.stdout.trim().split("\n")[0]?.split(":") ?? [];
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  if (fields[0] !== name || !Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
  return { user: name, uid, gid };
}

/**
 * Directories on the way to `dir` the account cannot pass through (no search permission), so the
 * engine could not reach its data directory: typically a $HOARD_HOME made by mkdtemp (mode 0700).
 * Supplementary groups are not considered, so this may over-report; it only feeds a warning.
 */
export async function untraversableBy(account: RunAs, dir: string): Promise<string[]> {
  const blocked: string[] = [];
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const info = await stat(current).catch(() => undefined);
    if (info) {
      const ok =
        info.uid === account.uid ? (info.mode & 0o100) !== 0
        : info.gid === account.gid ? (info.mode & 0o010) !== 0
        : (info.mode & 0o001) !== 0;
      if (!ok) blocked.push(current);
    }
    if (current === path.dirname(current)) return blocked.reverse();
  }
}
