// Outermost interceptor: gives every call a request id and a logger carrying it, logs the outcome,
// and turns every thrown error into the Connect error a client may see (INTERNAL hides causes).
import { randomUUID } from "node:crypto";
import type { Interceptor } from "@connectrpc/connect";
import { isServerFault, toConnectError } from "../../platform/errors.js";
import type { Logger } from "../../platform/logger.js";
import { requestScopeKey } from "../context.js";

export function createRequestScopeInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const requestId = req.header.get("x-request-id")?.slice(0, 64) || randomUUID();
    const log = logger.child({ requestId, rpc: `${req.service.typeName}/${req.method.name}` });
    req.contextValues.set(requestScopeKey, { requestId, logger: log });
    const started = performance.now();
    try {
      const res = await next(req);
      res.header.set("x-request-id", requestId);
      log.debug({ ms: Math.round(performance.now() - started) }, "rpc ok");
      return res;
    } catch (err) {
      const connectErr = toConnectError(err, requestId);
      connectErr.metadata.set("x-request-id", requestId);
      if (isServerFault(err)) log.error({ err, code: connectErr.code }, "rpc failed");
      else log.info({ code: connectErr.code, reason: connectErr.rawMessage }, "rpc refused");
      throw connectErr;
    }
  };
}
