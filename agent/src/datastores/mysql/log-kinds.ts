// The three logs of a MySQL-family server as GuestLogs names them, and who decides whether the
// optional two are on: the last of SetLogEnabled and a configuration group that set or changed
// general_log / slow_query_log wins (agent-state.ts keeps both), so a resize that repeats the
// same configuration group does not undo a SetLogEnabled made since.
import type { AgentState, LogRecord } from "./agent-state.js";
import type { MysqlPaths } from "./paths.js";
import { normalName, type LogSwitches } from "./settings.js";

/** One log: its GuestLogs name, files, switch and reopen statement. */
export interface LogKind {
  name: "error" | "general" | "slow";
  type: "SYS" | "USER";
  description: string;
  /** The log's current file; rotated ones are `${file}.1` (newest) to `${file}.N`. */
  file: (paths: MysqlPaths) => string;
  /** The server variable switching it (USER logs only). */
  variable?: "general_log" | "slow_query_log";
  /** Makes a running server close and reopen the file (after the agent renamed it). */
  flush: string;
}

/** Every log, in the order listLogs reports them. */
export const LOG_KINDS: readonly LogKind[] = [
  { name: "error", type: "SYS", description: "Server start-up, shutdown, warnings and errors", file: (p) => p.errorLog, flush: "FLUSH ERROR LOGS;" },
  {
    name: "general",
    type: "USER",
    description: "Every connection and statement clients send (verbose: for debugging only)",
    file: (p) => p.generalLog,
    variable: "general_log",
    flush: "FLUSH GENERAL LOGS;",
  },
  {
    name: "slow",
    type: "USER",
    description: "Statements that ran longer than long_query_time seconds",
    file: (p) => p.slowLog,
    variable: "slow_query_log",
    flush: "FLUSH SLOW LOGS;",
  },
];

/** The switch values ON, 1, TRUE and YES (any case) mean on. */
export function isOn(value: string): boolean {
  return ["ON", "1", "TRUE", "YES"].includes(value.trim().toUpperCase());
}

/**
 * Whether the general and slow logs are on after a configure or prepare with `parameters`, and the
 * record updated to say so: a parameter that is new or changed since the last configure is a new
 * intent and wins; otherwise the record (SetLogEnabled's last word) stays.
 */
export function resolveLogSwitches(state: AgentState, parameters: Readonly<Record<string, string>>): LogSwitches {
  const byName = new Map(Object.entries(parameters).map(([name, value]) => [normalName(name), value]));
  const resolve = (log: "general" | "slow", variable: string): boolean => {
    const parameter = byName.get(variable);
    const record: LogRecord = { enabled: false, ...state.logs[log] };
    if (parameter !== undefined && parameter !== record.parameter) record.enabled = isOn(parameter);
    if (parameter === undefined) delete record.parameter;
    else record.parameter = parameter;
    state.logs[log] = record;
    return record.enabled;
  };
  return { general: resolve("general", "general_log"), slow: resolve("slow", "slow_query_log") };
}
