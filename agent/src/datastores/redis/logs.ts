// The guest logs of a Redis instance: "error" (SYS, the server's logfile, see error-log.ts) and
// "slow" (USER, the in-memory SLOWLOG, see slow-log.ts). There is no "general" log: Redis's only
// record of every command is MONITOR, a live stream that costs the server dearly, not a log.
import { readFile } from "node:fs/promises";
import type { SerialQueue } from "../common/serial-queue.js";
import { DatastoreNotFoundError, DatastorePreconditionError } from "../errors.js";
import type { GuestLogInfo, GuestLogs } from "../manager.js";
import { withAdminSession } from "./admin-session.js";
import { switchSlowLog } from "./configure.js";
import type { InstanceContext } from "./context.js";
import { createErrorLogRotation, errorLogBytes, readErrorLog, type LogCaps } from "./error-log.js";
import { configGet } from "./live-config.js";
import { DEFAULT_SLOWLOG_THRESHOLD_US, SLOWLOG_THRESHOLD } from "./parameters.js";
import { inspectServer } from "./server-process.js";
import { parseConfig } from "./settings.js";
import { readSlowLog } from "./slow-log.js";

const ERROR_DESCRIPTION = "Redis server log: start and stop, warnings, persistence and replication events";
const SLOW_DESCRIPTION =
  "Commands slower than slowlog-log-slower-than µs, from the SLOWLOG Redis keeps in memory (the last slowlog-max-len); " +
  "it uses no disk, so its size is 0, and it starts empty at every restart";

/** The logs of one instance; `serial` is the manager's queue, which setLogEnabled's config rewrite joins. */
export function createRedisLogs(ctx: InstanceContext, serial: SerialQueue, caps: LogCaps): GuestLogs {
  const unbounded = new AbortController().signal; // reads carry no signal; admin commands have timeouts

  const errorLog = async (): Promise<GuestLogInfo> => ({
    name: "error",
    type: "SYS",
    enabled: true,
    sizeBytes: await errorLogBytes(ctx),
    description: ERROR_DESCRIPTION,
  });
  const slowLog = async (threshold?: string): Promise<GuestLogInfo> => ({
    name: "slow",
    type: "USER",
    enabled: Number(threshold ?? (await slowLogThreshold(ctx, unbounded))) >= 0,
    sizeBytes: 0,
    description: SLOW_DESCRIPTION,
  });

  return {
    listLogs: async () => Promise.all([errorLog(), slowLog()]),
    setLogEnabled: async (name, enabled, signal) => {
      if (name === "error") throw new DatastorePreconditionError("the redis error log is a SYS log: it is always on");
      if (name !== "slow") throw noSuchLog(name);
      return slowLog(await serial(() => switchSlowLog(ctx, enabled, signal)));
    },
    readLog: async (name, options) => {
      if (name === "error") return readErrorLog(ctx, options);
      if (name === "slow") return withAdminSession(ctx, unbounded, (session) => readSlowLog(session, options));
      throw noSuchLog(name);
    },
    rotate: createErrorLogRotation(ctx, caps),
  };
}

function noSuchLog(name: string): DatastoreNotFoundError {
  const why = name === "general" ? ": Redis records every command only through MONITOR, a live stream, not a log" : "";
  return new DatastoreNotFoundError(`redis has no ${JSON.stringify(name)} log${why} (it has error and slow)`);
}

/** The threshold in force: the server's when it runs, else what redis.conf (or Redis's default) will give it. */
async function slowLogThreshold(ctx: InstanceContext, signal: AbortSignal): Promise<string> {
  if ((await inspectServer(ctx.paths)).kind === "alive") {
    const live = await withAdminSession(ctx, signal, (session) => configGet(session, [SLOWLOG_THRESHOLD])).catch(() => undefined);
    const value = live?.get(SLOWLOG_THRESHOLD);
    if (value !== undefined) return value;
  }
  const file = parseConfig(await readFile(ctx.paths.configFile, "utf8").catch(() => ""));
  return file.get(SLOWLOG_THRESHOLD) ?? DEFAULT_SLOWLOG_THRESHOLD_US;
}
