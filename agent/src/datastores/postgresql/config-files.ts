// The configuration files the agent owns inside the data directory: hoard.conf (settings),
// pg_hba.conf (who may connect how) and pg_ident.conf (which OS users are the superuser).
//
// Why hoard.conf, included at the end of postgresql.conf, and not postgresql.auto.conf: the agent
// rewrites one whole file it owns, atomically, without parsing anything; postgresql.conf keeps
// initdb's defaults underneath; and postgresql.auto.conf stays what PostgreSQL means it to be, the
// target of ALTER SYSTEM, read last so a deliberate override by an operator still wins.
import { appendFile, readFile } from "node:fs/promises";
import { writeOwnedFile } from "../common/owned-file.js";
import type { PrepareSpec } from "../manager.js";
import type { InstanceContext } from "./context.js";
import { ADMIN_ROLE } from "./paths.js";
import { deriveSettings, type Settings } from "./settings.js";

/** The line that makes postgresql.conf read hoard.conf; `include` (not _if_exists) so a missing file fails loudly. */
export const INCLUDE_LINE = "include 'hoard.conf'";

const PEER_MAP = "hoard-admin";

/** Renders settings in postgresql.conf syntax. */
export function renderSettings(settings: Settings): string {
  const lines = settings.map(([name, value]) => `${name} = ${renderValue(value)}`);
  return `# Written by the Hoard agent on every prepare; edits here are lost. Use ALTER SYSTEM to override.\n${lines.join("\n")}\n`;
}

/**
 * Authentication. Remote clients always use SCRAM-SHA-256, and the agent's superuser (postgres) may
 * not log in over TCP at all; `root`, the master account users may enable (root.ts), is let in like any
 * other role, with its password. On the unix socket the superuser authenticates by peer: only the OS users in
 * pg_ident.conf's hoard-admin map (the agent's account and the server's) may act as it, so the agent
 * needs no stored password after a restart to probe or administer the server. The socket directory
 * is also 0700 and the server's own, so no other local account can even reach the socket.
 */
export function renderHba(): string {
  return [
    "# Written by the Hoard agent on every prepare; edits here are lost.",
    "# TYPE  DATABASE  USER      ADDRESS    METHOD",
    `local   all       ${ADMIN_ROLE}              peer map=${PEER_MAP}`,
    "local   all       all                  scram-sha-256",
    `host    all       ${ADMIN_ROLE}  0.0.0.0/0  reject`,
    `host    all       ${ADMIN_ROLE}  ::/0       reject`,
    "host    all       all       0.0.0.0/0  scram-sha-256",
    "host    all       all       ::/0       scram-sha-256",
    "",
  ].join("\n");
}

/** Maps each OS user allowed to administer the server to the superuser role. */
export function renderIdent(osUsers: string[]): string {
  const lines = osUsers.map((user) => `${PEER_MAP}  ${quoteIdentToken(user)}  ${ADMIN_ROLE}`);
  return `# Written by the Hoard agent on every prepare; edits here are lost.\n${lines.join("\n")}\n`;
}

/** Which of the written files changed, so the caller knows whether to restart or reload a running server. */
export interface ConfigChanges {
  settings: boolean;
  auth: boolean;
}

/**
 * Writes hoard.conf, pg_hba.conf and pg_ident.conf, and makes sure postgresql.conf includes
 * hoard.conf. `durable: false` for a fresh copy, which the caller syncs as a whole right after.
 */
export async function writeConfigFiles(ctx: InstanceContext, spec: PrepareSpec, durable: boolean): Promise<ConfigChanges> {
  const { paths, switchTo } = ctx;
  const included = await ensureIncluded(paths.postgresqlConf);
  const write = (path: string, content: string): Promise<boolean> => writeOwnedFile(path, content, switchTo, { durable });
  const settings = await write(paths.hoardConf, renderSettings(deriveSettings(spec, ctx.layout)));
  const hba = await write(paths.hbaConf, renderHba());
  const ident = await write(paths.identConf, renderIdent(ctx.adminOsUsers));
  return { settings: settings || included, auth: hba || ident };
}

/** Appends the include line when a data directory lacks it; returns whether it did. */
async function ensureIncluded(postgresqlConf: string): Promise<boolean> {
  const text = await readFile(postgresqlConf, "utf8");
  if (text.split("\n").some((line) => line.trim() === INCLUDE_LINE)) return false;
  await appendFile(postgresqlConf, `\n# Hoard: settings derived from the flavor and layout.\n${INCLUDE_LINE}\n`);
  return true;
}

function renderValue(value: string | number | boolean): string {
  if (typeof value === "boolean") return value ? "on" : "off";
  if (typeof value === "number") return String(value);
  return `'${value.replaceAll("'", "''")}'`;
}

function quoteIdentToken(token: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(token) ? token : `"${token.replaceAll('"', '""')}"`;
}
