// Enforces the protovalidate rules declared in the protos, once, at the edge: a request that
// breaks them never reaches a handler, and the error lists every broken rule with its field.
import type { Interceptor } from "@connectrpc/connect";
import { createValidator } from "@bufbuild/protovalidate";
import { Code, ConnectError } from "@connectrpc/connect";

export function createValidateInterceptor(): Interceptor {
  const validator = createValidator();
  return (next) => async (req) => {
    if (!req.stream) {
      const result = validator.validate(req.method.input, req.message);
      if (result.kind === "invalid") {
        throw new ConnectError(result.violations.map((v) => v.toString()).join("; "), Code.InvalidArgument);
      }
      if (result.kind === "error") throw result.error;
    }
    return next(req);
  };
}
