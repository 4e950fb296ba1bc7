// What the agent must remember about an instance between operations and across agent restarts: the
// settings it last applied (setLogEnabled rewrites hoard.conf from them, configure compares against
// them) and the USER log switches. One small JSON file in the data directory, on the volume, so it
// lives and dies with the data; owned by the server's account like everything else there, so a
// base backup taken as that account can read it.
import { readFile } from "node:fs/promises";
import { writeOwnedFile } from "../common/owned-file.js";
import type { ServerSettings } from "../manager.js";
import type { InstanceContext } from "./context.js";
import type { LogSwitches } from "./log-switches.js";

/** The agent's memory of one instance. */
export interface AgentState {
  /** The settings hoard.conf was last written from; absent for an instance prepared by an older agent. */
  settings?: ServerSettings;
  logSwitches: LogSwitches;
}

/** Reads the state file; a missing or unreadable one is an empty state (the files on disk still rule). */
export async function readAgentState(ctx: InstanceContext): Promise<AgentState> {
  const text = await readFile(ctx.paths.agentState, "utf8").catch(() => undefined);
  if (text === undefined) return { logSwitches: {} };
  try {
    return parseState(JSON.parse(text));
  } catch (err) {
    ctx.logger.warn({ err, path: ctx.paths.agentState }, "postgresql agent state unreadable; starting from an empty one");
    return { logSwitches: {} };
  }
}

/** Replaces the state file atomically; `durable: false` inside a fresh copy the caller syncs. */
export async function writeAgentState(ctx: InstanceContext, state: AgentState, durable = true): Promise<void> {
  await writeOwnedFile(ctx.paths.agentState, `${JSON.stringify(state, null, 2)}\n`, ctx.switchTo, { durable });
}

function parseState(value: unknown): AgentState {
  const record = (value ?? {}) as { settings?: Partial<ServerSettings>; logSwitches?: Partial<Record<keyof LogSwitches, unknown>> };
  const logSwitches: LogSwitches = {};
  for (const log of ["slow", "general"] as const) {
    const on = record.logSwitches?.[log];
    if (typeof on === "boolean") logSwitches[log] = on;
  }
  const s = record.settings;
  const settingsOk =
    s !== undefined &&
    Number.isInteger(s.ramMb) &&
    Number.isInteger(s.vcpus) &&
    typeof s.parameters === "object" &&
    s.parameters !== null &&
    Object.values(s.parameters).every((v) => typeof v === "string") &&
    Array.isArray(s.allowedCidrs) &&
    s.allowedCidrs.every((c) => typeof c === "string");
  return settingsOk ? { settings: s as ServerSettings, logSwitches } : { logSwitches };
}
