// GuestLogs of a MySQL-family server: the error log (always on), the general and slow query logs
// (switched live with SET GLOBAL, recorded in agent-state.ts and my.cnf so the switch survives
// restarts and configures), read back with ../common/log-tail.ts across rotated files, and kept
// within their caps by log-rotation.ts.
import { basename, dirname } from "node:path";
import { listLogFiles, readLogFiles, type LogFile } from "../common/log-tail.js";
import { DatastoreNotFoundError, DatastorePreconditionError } from "../errors.js";
import type { GuestLogInfo, GuestLogs, LogChunk, LogReadOptions } from "../manager.js";
import type { Serial } from "./admin-support.js";
import { updateAgentState } from "./agent-state.js";
import { runSql, SqlError } from "./client.js";
import { patchOptionFile, readTunables } from "./config-file.js";
import type { InstanceContext } from "./context.js";
import { isOn, LOG_KINDS, type LogKind } from "./log-kinds.js";
import { logGenerations, rotateLogs, rotationDue } from "./log-rotation.js";
import { inspectServer } from "./pid-file.js";

/** The logs of one instance. Switching and rotating run through the manager's queue (`serial`). */
export function createGuestLogs(ctx: InstanceContext, serial: Serial): GuestLogs {
  const never = new AbortController().signal;
  const kindOf = (name: string): LogKind => {
    const kind = LOG_KINDS.find((k) => k.name === name);
    if (!kind) throw new DatastoreNotFoundError(`${ctx.flavor.displayName} has no log named ${name} (logs: ${LOG_KINDS.map((k) => k.name).join(", ")})`);
    return kind;
  };
  const info = async (kind: LogKind, tunables: Map<string, string>): Promise<GuestLogInfo> => {
    const files = await logGenerations(ctx, kind);
    return {
      name: kind.name,
      type: kind.type,
      enabled: kind.variable ? isOn(tunables.get(kind.variable) ?? "OFF") : true,
      sizeBytes: files.reduce((sum, f) => sum + f.size, 0),
      description: kind.description,
    };
  };
  /** A running server reopens the log's file; the admin session stays out of the logs (quietSession). */
  const reopen = async (kind: LogKind): Promise<void> => {
    await runSql(ctx, kind.flush, { signal: never, timeoutMs: 30_000 });
  };

  return {
    async listLogs(): Promise<GuestLogInfo[]> {
      const tunables = await readTunables(ctx);
      return Promise.all(LOG_KINDS.map((kind) => info(kind, tunables)));
    },

    setLogEnabled: (name, enabled, signal) =>
      serial(async () => {
        signal.throwIfAborted();
        const kind = kindOf(name);
        const variable = kind.variable;
        if (!variable) throw new DatastorePreconditionError(`the ${name} log is always on`);
        // Record, file, then the live server: a crash in between is repaired by the next configure.
        const log = kind.name as "general" | "slow"; // the USER logs
        await updateAgentState(ctx, (state) => {
          state.logs[log] = { ...state.logs[log], enabled };
        });
        await patchOptionFile(ctx, { [variable]: enabled ? "ON" : "OFF" });
        if ((await inspectServer(ctx.paths)).kind === "alive") {
          await runSql(ctx, `SET GLOBAL ${variable} = ${enabled ? "ON" : "OFF"};`, { signal }).catch((err: unknown) => {
            if (!(err instanceof SqlError && err.isConnectionError)) throw err; // stopped meanwhile: my.cnf has it
          });
        }
        return info(kind, await readTunables(ctx));
      }),

    async readLog(name: string, options: LogReadOptions): Promise<LogChunk> {
      const kind = kindOf(name);
      return readLogFiles(await filesOf(ctx, kind), options);
    },

    async rotate(): Promise<void> {
      if (!(await rotationDue(ctx))) return; // the common case, every few seconds: a few stat calls
      await serial(async () => {
        const running = (await inspectServer(ctx.paths)).kind === "alive";
        await rotateLogs(ctx, running ? reopen : undefined);
      });
    },
  };
}

/** The log's files for log-tail.ts, oldest first by generation (mtimes of quick rotations can tie). */
async function filesOf(ctx: InstanceContext, kind: LogKind): Promise<LogFile[]> {
  const current = kind.file(ctx.paths);
  const pattern = new RegExp(`^${basename(current).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\.\\d+)?$`);
  const generation = (file: LogFile): number => Number(/\.(\d+)$/.exec(basename(file.path).slice(basename(current).length))?.[1] ?? 0);
  const files = await listLogFiles(dirname(current), pattern);
  return files.sort((a, b) => generation(b) - generation(a));
}
