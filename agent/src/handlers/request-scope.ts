// Outermost interceptor of the agent's RPCs: a request id and a logger carrying it and the method,
// one log line per call, and every thrown error turned into the Connect error the caller may see
// (typed errors keep code and message; anything else is INTERNAL naming the request id only).
// Requests are never logged: Prepare, CreateUser, UpdateUser and EnableRoot carry passwords.
import { randomUUID } from "node:crypto";
import type { Interceptor } from "@connectrpc/connect";
import { isServerFault, toConnectError } from "../../../services/platform/errors.js";
import type { Logger } from "../../../services/platform/logger.js";
import { describeError, type Scrubber } from "../errors.js";

/** Methods the control plane polls; their successes log at debug. */
const chatty = new Set(["Ping", "GetStatus"]);

export function createRequestScopeInterceptor(logger: Logger, scrubber: Scrubber): Interceptor {
  return (next) => async (req) => {
    const requestId = req.header.get("x-request-id")?.slice(0, 64) || randomUUID();
    const log = logger.child({ requestId, rpc: req.method.name });
    const started = performance.now();
    try {
      const res = await next(req);
      res.header.set("x-request-id", requestId);
      const ms = Math.round(performance.now() - started);
      if (chatty.has(req.method.name)) log.debug({ ms }, "rpc ok");
      else log.info({ ms }, "rpc ok");
      return res;
    } catch (err) {
      const connectErr = toConnectError(err, requestId);
      connectErr.metadata.set("x-request-id", requestId);
      if (isServerFault(err)) log.error({ error: describeError(err, scrubber), code: connectErr.code }, "rpc failed");
      else log.info({ code: connectErr.code, reason: scrubber.scrub(connectErr.rawMessage) }, "rpc refused");
      throw connectErr;
    }
  };
}
