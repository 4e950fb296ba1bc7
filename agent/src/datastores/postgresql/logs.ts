// The guest logs of a PostgreSQL instance (GuestLogs): error, slow and general, all read from the
// one server log (server-log.ts says how), switched through hoard.conf (log-switches.ts), and kept
// within a cap by deleting the oldest files (../common/log-cap.ts).
import { basename } from "node:path";
import { logCapBytes, pruneLogFiles } from "../common/log-cap.js";
import { listLogFiles, readLogFiles } from "../common/log-tail.js";
import type { SerialQueue } from "../common/serial-queue.js";
import { DatastoreNotFoundError, DatastorePreconditionError } from "../errors.js";
import type { GuestLogInfo, GuestLogs } from "../manager.js";
import { ADMIN_DATABASE, adminSession } from "./admin-session.js";
import { readAgentState } from "./agent-state.js";
import { applyConfiguration } from "./configure.js";
import type { InstanceContext } from "./context.js";
import { logsEnabled, switchSettings, type LogSwitches } from "./log-switches.js";
import { parameterSettings } from "./parameters.js";
import { inspectPostmaster } from "./postmaster.js";
import { ROTATE_LOGFILE } from "./queries.js";
import { currentLogFile, LOG_VIEWS, SERVER_LOG_FILES, type GuestLogName } from "./server-log.js";

/** The file being written is rotated early once it holds this share of the cap, so small caps hold too. */
const ROTATE_AT_CAP_SHARE = 0.25;

const DESCRIPTIONS: Readonly<Record<GuestLogName, string>> = {
  error: "Everything the PostgreSQL server logs: errors, warnings, connections, checkpoints, and the slow and general entries",
  slow: "Statements that ran longer than log_min_duration_statement (default 1000 ms when switched on), from the server log",
  general: "Every statement the server runs (log_statement), from the server log",
};

/** Options of the logs; see PostgresqlManagerOptions.logCapBytes. */
export interface PostgresqlLogsOptions {
  logCapBytes?: number;
}

/** GuestLogs of one instance. Switching a log goes through the manager's queue, like configure. */
export function createPostgresqlLogs(ctx: InstanceContext, serial: SerialQueue, options: PostgresqlLogsOptions = {}): GuestLogs {
  const info = async (name: GuestLogName): Promise<GuestLogInfo> => {
    const [enabled, files] = await Promise.all([enabledLogs(ctx), serverLogFiles(ctx)]);
    return {
      name,
      type: name === "error" ? "SYS" : "USER",
      enabled: name === "error" || enabled[name],
      sizeBytes: files.reduce((sum, file) => sum + file.size, 0),
      description: DESCRIPTIONS[name],
    };
  };
  return {
    listLogs: () => Promise.all((["error", "slow", "general"] as const).map(info)),
    setLogEnabled: async (name, enabled, signal) => {
      const log = logName(name);
      if (log === "error") throw new DatastorePreconditionError(`log "error" is a SYS log: it is always on`);
      await serial(() => switchLog(ctx, log, enabled, signal));
      return info(log);
    },
    readLog: async (name, readOptions) => readLogFiles(await serverLogFiles(ctx), readOptions, LOG_VIEWS[logName(name)]),
    rotate: () => rotate(ctx, options.logCapBytes),
  };
}

function logName(name: string): GuestLogName {
  if (name === "error" || name === "slow" || name === "general") return name;
  throw new DatastoreNotFoundError(`log "${name}" does not exist (postgresql has error, slow and general)`);
}

function serverLogFiles(ctx: InstanceContext): ReturnType<typeof listLogFiles> {
  return listLogFiles(ctx.paths.logDir, SERVER_LOG_FILES);
}

/** Whether slow and general are on, from what hoard.conf holds (so it answers with the server stopped too). */
async function enabledLogs(ctx: InstanceContext): Promise<Required<LogSwitches>> {
  const state = await readAgentState(ctx);
  const parameters = state.settings?.parameters ?? {};
  return logsEnabled([...parameterSettings(parameters), ...switchSettings(state.logSwitches, parameters)]);
}

/** Records the switch and applies it like a configuration; it wins over the parameters until they change. */
async function switchLog(ctx: InstanceContext, log: "slow" | "general", enabled: boolean, signal: AbortSignal): Promise<void> {
  const state = await readAgentState(ctx);
  if (!state.settings) {
    // Prepared by an agent that did not record its settings: hoard.conf cannot be rewritten faithfully.
    throw new DatastorePreconditionError("the instance's settings are unknown to this agent; configure it once first");
  }
  await applyConfiguration(ctx, { settings: state.settings, logSwitches: { ...state.logSwitches, [log]: enabled } }, signal);
}

/**
 * Keeps the server log within its cap: asks the collector for a new file once the current one holds
 * a quarter of the cap (PostgreSQL would wait for 10 MB), then deletes the oldest files, never the
 * one being written, until the rest fit. Cheap when nothing is due: a directory listing and a statfs.
 */
async function rotate(ctx: InstanceContext, capOption: number | undefined): Promise<void> {
  const cap = capOption ?? (await logCapBytes(ctx.paths.dataDir));
  let files = await serverLogFiles(ctx);
  const current = await currentLogFile(ctx.paths);
  // Never deleted: the file being written, its successor after a rotation request, and the newest.
  const spared = new Set(current ? [current] : []);
  const writing = files.find((file) => basename(file.path) === current);
  if (writing && writing.size > cap * ROTATE_AT_CAP_SHARE && (await inspectPostmaster(ctx.paths)).kind === "alive") {
    try {
      await adminSession(ctx, ADMIN_DATABASE, "rotating the server log", (client) => client.query(ROTATE_LOGFILE));
      const next = await currentLogFile(ctx.paths);
      if (next) spared.add(next);
      files = await serverLogFiles(ctx);
    } catch (err) {
      ctx.logger.debug({ err }, "postgresql log rotation not possible now"); // stopping or starting: next time
    }
  }
  const newest = files.at(-1);
  if (newest) spared.add(basename(newest.path)); // the one being written when current_logfiles lags behind
  const deleted = await pruneLogFiles(files, cap, (file) => spared.has(basename(file.path)));
  if (deleted.length > 0) ctx.logger.info({ deleted: deleted.map((path) => basename(path)), capBytes: cap }, "postgresql logs over their cap; oldest deleted");
}
