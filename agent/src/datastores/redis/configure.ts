// Configure for Redis: rewrite redis.conf from the flavor, the parameters and the slow log switch;
// set live what Redis takes at run time; fence clients with the instance's nftables table; and
// say whether what the server runs with still differs from what a restart would give.
//
// Order: checks first (nothing touched on a bad request), then the fence (access is what matters
// most to get right), then the live CONFIG SET (all or nothing), then the files. A crash between
// two steps leaves a server a repeated configure converges; the control plane repeats it.
import { readFile } from "node:fs/promises";
import { applyClientFence } from "../common/firewall.js";
import { writeOwnedFile } from "../common/owned-file.js";
import { DatastorePreconditionError, DatastoreSpecError } from "../errors.js";
import type { ServerSettings } from "../manager.js";
import { withAdminSession } from "./admin-session.js";
import type { InstanceContext } from "./context.js";
import { applyLive, restartPendingNames, unknownParameters } from "./live-config.js";
import { instanceSettings, SLOWLOG_THRESHOLD, DEFAULT_SLOWLOG_THRESHOLD_US } from "./parameters.js";
import { serverReference } from "./reference.js";
import { inspectServer } from "./server-process.js";
import { parseConfig, quoteArg, renderConfig } from "./settings.js";
import { readState, writeState, type AgentState } from "./state.js";

/** redis.conf for `settings` with the stored slow log switch; throws DatastoreSpecError on a bad flavor or parameter. */
export function renderInstanceConfig(ctx: InstanceContext, settings: ServerSettings, state: AgentState): string {
  return renderConfig(instanceSettings(settings, state.slowLog, ctx.layout, ctx.paths));
}

/** Makes the instance's nftables table match `allowedCidrs` (see ../common/firewall.ts). */
export async function applyFence(ctx: InstanceContext, allowedCidrs: readonly string[], nft: string): Promise<void> {
  const { instanceId, host, port } = ctx.layout;
  await applyClientFence({ instanceId, host, port, allowedCidrs }, "Redis", nft);
}

/**
 * Rebuilds the fence from the stored CIDRs before a server starts: after a host reboot the table
 * is gone while the instance still must not take clients from anywhere. Fails closed: a server
 * that cannot be fenced is not started.
 */
export async function restoreFence(ctx: InstanceContext, nft: string): Promise<void> {
  const cidrs = (await readState(ctx)).settings?.allowedCidrs ?? [];
  if (cidrs.length > 0) await applyFence(ctx, cidrs, nft);
}

/**
 * The configure operation on a prepared instance. Returns the restart-only parameters the running
 * server still differs on (none when it is stopped: the next start reads the new file).
 */
export async function configureServer(ctx: InstanceContext, settings: ServerSettings, signal: AbortSignal, nft: string): Promise<{ running: boolean; pending: string[] }> {
  const state = await readState(ctx);
  const text = renderInstanceConfig(ctx, settings, state);
  const reference = await serverReference(ctx);
  const unknown = unknownParameters(settings.parameters, reference);
  if (unknown.length > 0) throw new DatastoreSpecError(`redis has no parameter ${unknown.join(", ")}`);
  signal.throwIfAborted();

  await applyFence(ctx, settings.allowedCidrs, nft);
  const running = (await inspectServer(ctx.paths)).kind === "alive";
  const previous = parseConfig(await readFile(ctx.paths.configFile, "utf8").catch(() => ""));
  const next = parseConfig(text);
  let pending: string[] = [];
  if (running) {
    const changed = await withAdminSession(ctx, signal, (session) => applyLive(session, next, previous, reference));
    if (changed.length > 0) ctx.logger.info({ parameters: changed }, "redis parameters applied live");
  }
  await writeOwnedFile(ctx.paths.configFile, text, ctx.switchTo);
  await writeState(ctx, { ...state, settings });
  if (running) pending = await withAdminSession(ctx, signal, (session) => restartPendingNames(session, next, reference));
  if (pending.length > 0) ctx.logger.info({ parameters: pending }, "redis parameters wait for a restart");
  return { running, pending };
}

/** Restart-only parameters the running server differs on from its redis.conf; see restartPendingNames. */
export async function pendingRestart(ctx: InstanceContext, signal: AbortSignal): Promise<string[]> {
  const reference = await serverReference(ctx);
  const file = parseConfig(await readFile(ctx.paths.configFile, "utf8"));
  return withAdminSession(ctx, signal, (session) => restartPendingNames(session, file, reference));
}

/**
 * Switches the slow log on or off: live when the server runs, in redis.conf for the next start,
 * and in the state so every later configure keeps the choice. Returns the threshold now in force.
 */
export async function switchSlowLog(ctx: InstanceContext, enabled: boolean, signal: AbortSignal): Promise<string> {
  const state: AgentState = { ...(await readState(ctx)), slowLog: enabled };
  const current = await readFile(ctx.paths.configFile, "utf8").catch(() => {
    throw new DatastorePreconditionError("redis is not prepared: its slow log cannot be switched yet");
  });
  // An instance prepared before the state file held its settings: change the one line.
  const text = state.settings ? renderInstanceConfig(ctx, state.settings, state) : withDirective(current, SLOWLOG_THRESHOLD, enabled ? DEFAULT_SLOWLOG_THRESHOLD_US : "-1");
  const threshold = parseConfig(text).get(SLOWLOG_THRESHOLD) ?? DEFAULT_SLOWLOG_THRESHOLD_US;
  if ((await inspectServer(ctx.paths)).kind === "alive") {
    await withAdminSession(ctx, signal, (session) => session.call(["CONFIG", "SET", SLOWLOG_THRESHOLD, threshold]));
  }
  await writeOwnedFile(ctx.paths.configFile, text, ctx.switchTo);
  await writeState(ctx, state);
  return threshold;
}

/** `text` with the directive `name` set to `value`: its line replaced, or one appended. */
function withDirective(text: string, name: string, value: string): string {
  const line = `${name} ${quoteArg(value)}`;
  const lines = text.replace(/\n$/, "").split("\n");
  const at = lines.findIndex((l) => l.startsWith(`${name} `));
  if (at >= 0) lines[at] = line;
  else lines.push(line);
  return `${lines.join("\n")}\n`;
}
