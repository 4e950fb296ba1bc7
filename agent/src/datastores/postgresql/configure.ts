// Configure: the settings the control plane wants (flavor, configuration group, allowed networks)
// written to hoard.conf and pg_hba.conf and applied to the running server without a restart as far
// as PostgreSQL can; what only a restart applies is reported, and waits for the next one.
import { exists } from "../common/host-fs.js";
import { DatastorePreconditionError } from "../errors.js";
import type { ConfigureResult, ServerSettings } from "../manager.js";
import { readAgentState, writeAgentState, type AgentState } from "./agent-state.js";
import { writeCheckedConfigFiles } from "./config-check.js";
import type { InstanceContext } from "./context.js";
import { reloadAndCheck } from "./live-settings.js";
import { adjustSwitches } from "./log-switches.js";
import { inspectPostmaster } from "./postmaster.js";
import { checkServerSettings } from "./spec-checks.js";

/** Rewrites the configuration for `settings` and applies it; see DatastoreManager.configure. */
export async function configure(ctx: InstanceContext, settings: ServerSettings, signal: AbortSignal): Promise<ConfigureResult> {
  signal.throwIfAborted();
  checkServerSettings(settings);
  if (!(await exists(ctx.paths.preparedMarker))) throw new DatastorePreconditionError("instance is not prepared yet");
  return applyConfiguration(ctx, await nextState(ctx, settings), signal);
}

/**
 * The state after `settings` replace the current ones: a log switch whose parameter the new
 * settings change gives way to them (log-switches.ts). Only ServerSettings' own fields are kept, so
 * a PrepareSpec's passwords never reach the file.
 */
export async function nextState(ctx: InstanceContext, settings: ServerSettings): Promise<Required<AgentState>> {
  const current = await readAgentState(ctx);
  const { ramMb, vcpus, parameters, allowedCidrs } = settings;
  const copy: ServerSettings = { ramMb, vcpus, parameters: { ...parameters }, allowedCidrs: [...allowedCidrs] };
  return { settings: copy, logSwitches: adjustSwitches(current.logSwitches, current.settings?.parameters, parameters) };
}

/**
 * Writes the files from `state` (checked: a setting PostgreSQL would refuse changes nothing),
 * records it, and, when the server runs, reloads it and asks it whether a restart is still due. A
 * stopped server reads everything at its next start. The state is recorded after the files, so it
 * never holds settings the files refused; should the agent die in between, the control plane's
 * retry of the failed call writes both again.
 */
export async function applyConfiguration(ctx: InstanceContext, state: Required<AgentState>, signal: AbortSignal): Promise<ConfigureResult> {
  await writeCheckedConfigFiles(ctx, state.settings, state.logSwitches, signal);
  await writeAgentState(ctx, state);
  if ((await inspectPostmaster(ctx.paths)).kind !== "alive") return { restartRequired: false };
  const { restartPending } = await reloadAndCheck(ctx, signal);
  return { restartRequired: restartPending };
}
