// The agent's durable record for one instance, beside my.cnf on the volume: what the server cannot
// tell by itself. Which accounts are the per-network copies of a logical user@'%' (access.ts),
// which ones the agent locked, and the last word on each optional log. Replaced atomically (temp
// file, fsync, rename), so a crash leaves the old record or the new one.
import { readFile } from "node:fs/promises";
import { replaceFileDurably } from "../common/owned-file.js";
import { DatastoreEngineError } from "../errors.js";
import type { InstanceContext } from "./context.js";

/** The access part; see access.ts for what each field means to the accounts. */
export interface AccessRecord {
  /** Allowed IPv4 CIDRs as configured; empty: clients may come from anywhere. */
  cidrs: string[];
  /** Logical user@'%' accounts standing as one account per allowed network: the hosts they have (or are about to). */
  expanded: Array<{ user: string; hosts: string[] }>;
  /** Accounts the agent locked because their host lies outside the allowed networks. */
  locked: Array<{ user: string; host: string }>;
}

/** One optional log: whether it is on, and the configuration group's value last seen for it. */
export interface LogRecord {
  enabled: boolean;
  /** The parameter (general_log / slow_query_log) of the last configure; a new value there is a new intent. */
  parameter?: string;
}

/** The whole record. */
export interface AgentState {
  access: AccessRecord;
  logs: { general?: LogRecord; slow?: LogRecord };
}

/** The record of an instance that has none yet (prepared before there was one). */
export function emptyState(): AgentState {
  return { access: { cidrs: [], expanded: [], locked: [] }, logs: {} };
}

/** Reads the record; a missing file is the empty record, an unreadable one an error (guessing could open access). */
export async function readAgentState(ctx: InstanceContext): Promise<AgentState> {
  let text: string;
  try {
    text = await readFile(ctx.paths.agentStateFile, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return emptyState();
    throw err;
  }
  try {
    const value = JSON.parse(text) as Partial<AgentState>;
    const empty = emptyState();
    return { access: { ...empty.access, ...value.access }, logs: { ...value.logs } };
  } catch (err) {
    throw new DatastoreEngineError(`${ctx.paths.agentStateFile} is not valid JSON`, String(err), { cause: err });
  }
}

/** Replaces the record durably; owned by the agent, unreadable to the server's account. */
export async function writeAgentState(ctx: InstanceContext, state: AgentState): Promise<void> {
  await replaceFileDurably(ctx.paths.agentStateFile, `${JSON.stringify(state, null, 1)}\n`, undefined, 0o600);
}

/** Read, change, write; callers run in the manager's serial queue, so there is no lost update. */
export async function updateAgentState(ctx: InstanceContext, change: (state: AgentState) => void): Promise<AgentState> {
  const state = await readAgentState(ctx);
  change(state);
  await writeAgentState(ctx, state);
  return state;
}
