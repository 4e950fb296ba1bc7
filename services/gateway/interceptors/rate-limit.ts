// Per-token rate limits, placed after authentication so each token (each tenant's client) has its
// own bucket and one busy client cannot starve the API for the others. Over the limit answers
// RESOURCE_EXHAUSTED with a google.rpc.RetryInfo detail and a Retry-After header (REST passes
// response headers through). Calls without a token (health, reflection) are not limited.
import type { Interceptor } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { RetryInfoSchema } from "../../../gen/proto/google/rpc/error_details_pb.js";
import { HoardError } from "../../platform/errors.js";
import { principalKey } from "../context.js";
import type { TokenBuckets } from "../domain/token-buckets.js";

/** Too many requests from one token; `retryAfterMs` is when the next one would be let through. */
export class RateLimitedError extends HoardError {
  constructor(readonly retryAfterMs: number) {
    const seconds = Math.floor(retryAfterMs / 1000);
    super(
      Code.ResourceExhausted,
      `rate limit exceeded for this token; retry in ${(retryAfterMs / 1000).toFixed(1)} s`,
      [{ desc: RetryInfoSchema, value: { retryDelay: { seconds: BigInt(seconds), nanos: (retryAfterMs % 1000) * 1_000_000 } } }],
      // Retry-After is in whole seconds; rounding down would invite a retry that is refused again.
      { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    );
  }
}

export function createRateLimitInterceptor(buckets: TokenBuckets): Interceptor {
  return (next) => async (req) => {
    const principal = req.contextValues.get(principalKey);
    if (principal) {
      const taken = buckets.take(principal.tokenId);
      if (!taken.ok) throw new RateLimitedError(taken.retryAfterMs);
    }
    return next(req);
  };
}
