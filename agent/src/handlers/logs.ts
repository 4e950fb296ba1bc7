// ListLogs, SetLogEnabled and ReadLog: the instance's logs, through the lifecycle (which refuses
// them before the datastore is prepared and types the engine's errors).
import type { ServiceImpl } from "@connectrpc/connect";
import type { GuestAgentService } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { InvalidArgumentError } from "../../../services/platform/errors.js";
import type { GuestLogInfo } from "../datastores/manager.js";
import type { Lifecycle } from "../lifecycle.js";

/** More than this in one answer would only stall the NATS message; a follower reads on with the cursor. */
const maxChunkBytes = 1024 * 1024;
const defaultTailLines = 50;

type LogHandlers = Pick<ServiceImpl<typeof GuestAgentService>, "listLogs" | "setLogEnabled" | "readLog">;

export function logHandlers(lifecycle: Lifecycle): LogHandlers {
  return {
    async listLogs() {
      return { logs: (await lifecycle.logs.listLogs()).map(toGuestLog) };
    },
    async setLogEnabled(req, ctx) {
      return { log: toGuestLog(await lifecycle.logs.setLogEnabled(logName(req.name), req.enabled, ctx.signal)) };
    },
    async readLog(req) {
      const maxBytes = Math.min(req.maxBytes || maxChunkBytes, maxChunkBytes);
      const chunk = await lifecycle.logs.readLog(logName(req.name), {
        maxBytes,
        ...(req.cursor ? { cursor: req.cursor } : { lines: req.lines || defaultTailLines }),
      });
      return chunk;
    },
  };
}

function logName(name: string): string {
  if (!/^[a-z_]{1,32}$/.test(name)) throw new InvalidArgumentError("name", `"${name}" is not a log name (error, general, slow)`);
  return name;
}

function toGuestLog(log: GuestLogInfo) {
  return { ...log, sizeBytes: BigInt(Math.max(0, Math.trunc(log.sizeBytes))) };
}
