// What the agent must remember about an instance beyond redis.conf, on the volume beside the data
// so it survives agent restarts and host reboots: the server settings of the last prepare or
// configure (the client CIDRs the firewall table is rebuilt from at every start; the parameters
// a slow log switch re-renders redis.conf from), and whether the slow log was switched on or off
// (setLogEnabled), which every later configure keeps.
import { readFile } from "node:fs/promises";
import { writeOwnedFile } from "../common/owned-file.js";
import type { ServerSettings } from "../manager.js";
import type { InstanceContext } from "./context.js";

/** The agent's durable state of one instance. */
export interface AgentState {
  /** Absent on an instance prepared before the file existed. */
  settings?: ServerSettings;
  /** Absent: never switched; the parameters (or Redis's default) decide. */
  slowLog?: boolean;
}

/** The stored state; {} when there is none yet. */
export async function readState(ctx: InstanceContext): Promise<AgentState> {
  const text = await readFile(ctx.paths.stateFile, "utf8").catch(() => undefined);
  return text === undefined ? {} : (JSON.parse(text) as AgentState);
}

/** Replaces the state atomically: 0600, the agent's own account (the server has no business with it). */
export async function writeState(ctx: InstanceContext, state: AgentState): Promise<void> {
  await writeOwnedFile(ctx.paths.stateFile, `${JSON.stringify(state)}\n`, undefined, { mode: 0o600 });
}
