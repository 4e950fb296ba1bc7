// The files the agent writes for the server: the instance's option file (my.cnf, beside the data
// directory) and, when the agent logs in by password, the admin client option file and the
// one-shot init file that gives a fresh copy the admin password.
import { readFile, rm } from "node:fs/promises";
import { ensureParent } from "../common/host-fs.js";
import type { ServerSettings } from "../manager.js";
import { renderAdminOptionFile } from "./client.js";
import type { InstanceContext } from "./context.js";
import { writeOwnedFile } from "./owned-file.js";
import {
  AGENT_OWNED_NAMES,
  applyParameters,
  deriveLogSettings,
  deriveMemorySettings,
  deriveServerSettings,
  normalName,
  parseOptionFile,
  renderOptionFile,
  type LogSwitches,
} from "./settings.js";

/** What the option file is made of: the flavor, the configuration group's parameters, the log switches. */
export type OptionFileInput = Pick<ServerSettings, "ramMb" | "vcpus" | "parameters"> & { logs: LogSwitches };

/**
 * The whole option file of an instance: layout settings, memory, logs and the flavor's own, with
 * the parameters over them; the log switches have the last word on general_log and slow_query_log.
 */
export function renderInstanceOptionFile(ctx: InstanceContext, input: OptionFileInput, basedir: string): string {
  const settings = applyParameters(
    [
      ...deriveServerSettings(ctx.layout, ctx.paths, basedir),
      ...deriveMemorySettings(input.ramMb, input.vcpus),
      ...deriveLogSettings(ctx.paths),
      ...ctx.flavor.settings(input.ramMb, input.vcpus),
    ],
    input.parameters,
  ).map(([name, value]): readonly [string, string | number | boolean] => {
    const log = normalName(name) === "general_log" ? "general" : normalName(name) === "slow_query_log" ? "slow" : undefined;
    return log ? [name, input.logs[log]] : [name, value];
  });
  return renderOptionFile(settings);
}

/**
 * Writes my.cnf, owned by the agent and only readable by the server's account, so that not even a
 * root user with FILE privileges can change how the server starts. Returns whether it changed
 * (a running server must then restart). `durable: false` for a fresh copy synced as a whole.
 */
export async function writeOptionFile(ctx: InstanceContext, input: OptionFileInput, durable: boolean): Promise<boolean> {
  const { basedir } = await ctx.binaries();
  await ensureParent(ctx.paths.optionFile);
  return writeOwnedFile(ctx.paths.optionFile, renderInstanceOptionFile(ctx, input, basedir), undefined, { mode: 0o644, durable });
}

/**
 * The settings of the current option file the configuration owns (layout-owned ones left out), by
 * normalName: what the server runs with after its next start. Empty when there is no file yet.
 */
export async function readTunables(ctx: InstanceContext): Promise<Map<string, string>> {
  const text = await readFile(ctx.paths.optionFile, "utf8").catch(() => "");
  return tunablesOf(parseOptionFile(text));
}

/** The configurable part of parsed or derived settings, by normalName (the last of a name wins, as in the server). */
export function tunablesOf(settings: ReadonlyArray<readonly [string, string | number | boolean]>): Map<string, string> {
  const tunables = new Map<string, string>();
  for (const [name, value] of settings) {
    const key = normalName(name);
    if (!AGENT_OWNED_NAMES.has(key)) tunables.set(key, typeof value === "boolean" ? (value ? "ON" : "OFF") : String(value));
  }
  return tunables;
}

/**
 * Changes some values of the current option file in place (SetLogEnabled's switch), keeping the
 * rest as configure wrote it. Returns whether the file changed.
 */
export async function patchOptionFile(ctx: InstanceContext, values: Readonly<Record<string, string>>): Promise<boolean> {
  const settings = parseOptionFile(await readFile(ctx.paths.optionFile, "utf8"));
  const wanted = new Map(Object.entries(values).map(([name, value]) => [normalName(name), value]));
  const patched = settings.map(([name, value]): [string, string] => [name, wanted.get(normalName(name)) ?? value]);
  const present = new Set(settings.map(([name]) => normalName(name)));
  const added = [...wanted].filter(([name]) => !present.has(name));
  return writeOwnedFile(ctx.paths.optionFile, renderOptionFile([...patched, ...added]), undefined, { mode: 0o644 });
}

/**
 * Password mode only: the client option file the agent logs in with (0600, the agent's), and for a
 * fresh copy the init file that sets root@localhost's password hash at its first start (0600, the
 * server's; removed by removeInitFile once the server is up).
 */
export async function writeAdminCredentials(ctx: InstanceContext, adminPassword: string, fresh: boolean): Promise<void> {
  if (ctx.adminAuth !== "password") return;
  await writeOwnedFile(ctx.paths.adminOptionFile, renderAdminOptionFile(ctx.paths.socketPath, adminPassword), undefined, { mode: 0o600 });
  if (fresh) await writeOwnedFile(ctx.paths.initFile, `${ctx.flavor.adminPasswordStatement(adminPassword)}\n`, ctx.switchTo, { mode: 0o600 });
}

/** The init file holds a password hash: gone as soon as the start that needed it is over. */
export async function removeInitFile(ctx: InstanceContext): Promise<void> {
  await rm(ctx.paths.initFile, { force: true });
}
