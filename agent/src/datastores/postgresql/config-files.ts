// The configuration files the agent owns inside the data directory: hoard.conf (flavor, layout and
// log settings, the configuration group's parameters, the log switches: settings.ts merges them),
// pg_hba.conf (who may connect from where, hba.ts) and pg_ident.conf (which OS users are the
// superuser). config-check.ts checks them before a running server sees them.
//
// Why hoard.conf, included at the end of postgresql.conf, and not postgresql.auto.conf: the agent
// rewrites one whole file it owns, atomically, without parsing anything; postgresql.conf keeps
// initdb's defaults underneath; and postgresql.auto.conf stays what PostgreSQL means it to be, the
// target of ALTER SYSTEM, read last so a deliberate override by an operator still wins.
import { appendFile, readFile } from "node:fs/promises";
import { writeOwnedFile } from "../common/owned-file.js";
import type { ServerSettings } from "../manager.js";
import type { InstanceContext } from "./context.js";
import { PEER_MAP, renderHba } from "./hba.js";
import type { LogSwitches } from "./log-switches.js";
import { ADMIN_ROLE } from "./paths.js";
import { deriveSettings, type Settings } from "./settings.js";

/** The line that makes postgresql.conf read hoard.conf; `include` (not _if_exists) so a missing file fails loudly. */
export const INCLUDE_LINE = "include 'hoard.conf'";

/** Renders settings in postgresql.conf syntax. */
export function renderSettings(settings: Settings): string {
  const lines = settings.map(([name, value]) => `${name} = ${renderValue(value)}`);
  return `# Written by the Hoard agent on every prepare, configure and log switch; edits here are lost. Use ALTER SYSTEM to override.\n${lines.join("\n")}\n`;
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
 * Writes hoard.conf (from `settings` and the log switches), pg_hba.conf and pg_ident.conf, and
 * makes sure postgresql.conf includes hoard.conf. `durable: false` for a fresh copy, which the
 * caller syncs as a whole right after.
 */
export async function writeConfigFiles(
  ctx: InstanceContext,
  settings: ServerSettings,
  switches: LogSwitches,
  durable: boolean,
): Promise<ConfigChanges> {
  const { paths, switchTo } = ctx;
  const included = await ensureIncluded(paths.postgresqlConf);
  const write = (path: string, content: string): Promise<boolean> => writeOwnedFile(path, content, switchTo, { durable });
  const conf = await write(paths.hoardConf, renderSettings(deriveSettings(settings, ctx.layout, switches)));
  const hba = await write(paths.hbaConf, renderHba(settings.allowedCidrs));
  const ident = await write(paths.identConf, renderIdent(ctx.adminOsUsers));
  return { settings: conf || included, auth: hba || ident };
}

/** Appends the include line when a data directory lacks it; returns whether it did. */
async function ensureIncluded(postgresqlConf: string): Promise<boolean> {
  const text = await readFile(postgresqlConf, "utf8");
  if (text.split("\n").some((line) => line.trim() === INCLUDE_LINE)) return false;
  await appendFile(postgresqlConf, `\n# Hoard: settings derived from the flavor and layout.\n${INCLUDE_LINE}\n`);
  return true;
}

/** Strings are quoted; inside quotes PostgreSQL reads a backslash as an escape, so it is doubled too. */
function renderValue(value: string | number | boolean): string {
  if (typeof value === "boolean") return value ? "on" : "off";
  if (typeof value === "number") return String(value);
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

function quoteIdentToken(token: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(token) ? token : `"${token.replaceAll('"', '""')}"`;
}
