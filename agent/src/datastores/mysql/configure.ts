// Configure for a MySQL-family server: a new my.cnf from the flavor, the configuration group's
// parameters and the log switches; applied live where the server allows it; allowed networks
// brought in line (access-sync.ts). What only a restart applies is found by asking the server, not
// by a list of names: a read-only variable whose value differs from the file's is pending.
//
// Live apply compares each value the new file sets with the running server and sends SET GLOBAL
// for each dynamic one that differs; a variable the file set before (or the server started with)
// and no longer sets goes back to its compiled default (SET GLOBAL x = DEFAULT), unless the flavor
// derives a value for it, which the new file then carries like any other. Values go live before the
// file is written, so one the server refuses is never left in the file for the next start to choke
// on; those applied before the refusal are set back.
import { DatastoreSpecError } from "../errors.js";
import type { ServerSettings } from "../manager.js";
import { networkHosts } from "./access.js";
import { syncAccess } from "./access-sync.js";
import { readAgentState, writeAgentState } from "./agent-state.js";
import { runSql, SqlError } from "./client.js";
import { readTunables, renderInstanceOptionFile, tunablesOf, writeOptionFile } from "./config-file.js";
import type { InstanceContext } from "./context.js";
import { resolveLogSwitches } from "./log-kinds.js";
import { inspectServer } from "./pid-file.js";
import { AGENT_OWNED_NAMES, checkFlavor, parseOptionFile } from "./settings.js";
import { readVariables, sameValue, setGlobal, setGlobalDefault, type VariableRow } from "./variables.js";

const ER_INCORRECT_GLOBAL_LOCAL_VAR = 1238;

/** What configureServer found. */
export interface ConfigureOutcome {
  running: boolean;
  /** Running with a value only a restart applies. */
  restartPending: boolean;
  /** Variables the server refused to SET as read-only although its table says dynamic: compare them too. */
  refused: string[];
}

/**
 * Rewrites my.cnf for `settings`, applies what it can to a running server, and records the
 * allowed networks (applied now when running, at the next start otherwise). Throws before
 * changing anything for a bad flavor, parameter or CIDR.
 */
export async function configureServer(ctx: InstanceContext, settings: ServerSettings, signal: AbortSignal): Promise<ConfigureOutcome> {
  checkFlavor(settings.ramMb, settings.vcpus);
  networkHosts(settings.allowedCidrs); // IPv6 and malformed CIDRs are refused before anything changes
  const state = await readAgentState(ctx);
  const logs = resolveLogSwitches(state, settings.parameters);
  const input = { ramMb: settings.ramMb, vcpus: settings.vcpus, parameters: settings.parameters, logs };
  const desired = tunablesOf(parseOptionFile(renderInstanceOptionFile(ctx, input, (await ctx.binaries()).basedir)));

  const running = (await inspectServer(ctx.paths)).kind === "alive";
  const refused = running ? await applyLive(ctx, desired, await readTunables(ctx), signal) : [];
  await writeOptionFile(ctx, input, true);
  if (!running) state.access.cidrs = [...settings.allowedCidrs]; // enforced by the next start's syncAccess
  await writeAgentState(ctx, state);
  if (!running) return { running, restartPending: false, refused };
  await syncAccess(ctx, signal, settings.allowedCidrs);
  return { running, restartPending: await restartPending(ctx, signal, refused), refused };
}

/**
 * Sends SET GLOBAL for what differs between `desired` and the server, and DEFAULT for what the
 * previous file set and the new one does not. Returns the names the server refused as read-only
 * although its table calls them dynamic (pending like any read-only one).
 */
async function applyLive(ctx: InstanceContext, desired: Map<string, string>, previous: Map<string, string>, signal: AbortSignal): Promise<string[]> {
  const rows = await readVariables(ctx, { names: [...desired.keys(), ...previous.keys()], fromConfig: true }, signal);
  const unknown = [...desired.keys()].filter((name) => !rows.has(name));
  if (unknown.length > 0) throw new DatastoreSpecError(`${ctx.flavor.displayName} has no variable ${unknown.join(", ")}`);

  const changes: Array<{ row: VariableRow; sql: string }> = [];
  for (const [name, value] of desired) {
    const row = rows.get(name)!;
    if (!row.readOnly && !sameValue(value, row.value, row.type)) changes.push({ row, sql: setGlobal(row, value) });
  }
  for (const row of rows.values()) {
    const dropped = !desired.has(row.name) && !AGENT_OWNED_NAMES.has(row.name) && (previous.has(row.name) || row.origin === "CONFIG");
    if (dropped && !row.readOnly && !sameValue(row.defaultValue, row.value, row.type)) changes.push({ row, sql: setGlobalDefault(row.name) });
  }

  const applied: VariableRow[] = [];
  const refused: string[] = [];
  for (const { row, sql } of changes) {
    try {
      await runSql(ctx, sql, { signal });
      applied.push(row);
    } catch (err) {
      if (err instanceof SqlError && err.errno === ER_INCORRECT_GLOBAL_LOCAL_VAR) {
        refused.push(row.name);
        continue;
      }
      await restore(ctx, applied);
      if (err instanceof SqlError && !err.isConnectionError) throw new DatastoreSpecError(`${row.name}: ${err.message}`, { cause: err });
      throw err;
    }
  }
  if (applied.length > 0) ctx.logger.info({ variables: applied.map((r) => r.name) }, "settings applied live");
  return refused;
}

/** Sets variables back to the values they had before a configure that failed halfway; best effort. */
async function restore(ctx: InstanceContext, rows: VariableRow[]): Promise<void> {
  for (const row of rows) {
    await runSql(ctx, setGlobal(row, row.value), { signal: new AbortController().signal }).catch((err: unknown) => {
      ctx.logger.warn({ variable: row.name, err }, "could not set a variable back after a failed configure");
    });
  }
}

/**
 * Whether the running server has a value only a restart would change: a read-only variable (or one
 * in `alsoCompare`) whose value differs from what my.cnf sets, or that the server took from the file
 * at start although the file no longer sets it (then compared with the compiled default). One
 * query, limited to read-only variables.
 */
export async function restartPending(ctx: InstanceContext, signal: AbortSignal, alsoCompare: readonly string[] = [], timeoutMs?: number): Promise<boolean> {
  const file = await readTunables(ctx);
  if (file.size === 0) return false;
  const readOnly = await readVariables(ctx, { names: file.keys(), fromConfig: true, readOnlyOnly: true }, signal, timeoutMs);
  const extra = alsoCompare.length > 0 ? await readVariables(ctx, { names: alsoCompare }, signal, timeoutMs) : new Map<string, VariableRow>();
  for (const row of [...readOnly.values(), ...extra.values()]) {
    const wanted = file.get(row.name);
    if (wanted !== undefined) {
      if (!sameValue(wanted, row.value, row.type)) return true;
    } else if (row.origin === "CONFIG" && !AGENT_OWNED_NAMES.has(row.name) && !sameValue(row.defaultValue, row.value, row.type)) {
      return true;
    }
  }
  return false;
}
