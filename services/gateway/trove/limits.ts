// Trove's /limits: the absolute limits first (troveclient prints the first entry as them), then
// the rate limits. Absolute: max_<resource> for each quota in Trove's names (as Trove), plus
// total_<resource>_used, the project's usage (Hoard's addition; Trove only sends the limits). Rate:
// Hoard's one per-token bucket as Trove's rate-limit entry, every verb and URI, `value` requests
// per `unit` with what the caller's bucket holds as `remaining`; `burst` (not in Trove's shape) is
// how many it holds when full.
import type { TroveRateLimit, TroveRoute } from "./router.js";
import { troveQuotaName } from "./quotas.js";

/** Trove's units (its limiter's), the shortest first: the rate is given in the first it is whole in. */
const units: readonly [string, number][] = [["SECOND", 1], ["MINUTE", 60], ["HOUR", 3600], ["DAY", 86400]];

/** The rate-limit entry for the caller's bucket. */
export function rateLimitEntry(limit: TroveRateLimit, now = Date.now()): Record<string, unknown> {
  const [unit, seconds] = units.find(([, s]) => Number.isInteger(limit.ratePerSecond * s)) ?? ["DAY", 86400];
  const waitMs = limit.tokens >= 1 ? 0 : Math.ceil(((1 - limit.tokens) / limit.ratePerSecond) * 1000);
  return {
    verb: "*",
    uri: "*",
    regex: ".*",
    value: Math.round(limit.ratePerSecond * seconds),
    unit,
    remaining: Math.floor(limit.tokens),
    nextAvailable: `${new Date(now + waitMs).toISOString().slice(0, 19)}Z`,
    burst: limit.burst,
  };
}

export const limitRoutes: TroveRoute[] = [
  {
    method: "GET",
    path: "/limits",
    handle: async (req) => {
      const { quotas } = await req.rpc.quotas.getQuotas({});
      const absolute: Record<string, unknown> = { verb: "ABSOLUTE" };
      for (const q of quotas) absolute[`max_${troveQuotaName(q)}`] = Number(q.limit);
      for (const q of quotas) absolute[`total_${troveQuotaName(q)}_used`] = Number(q.inUse);
      const rate = req.rateLimit();
      return { status: 200, body: { limits: rate ? [absolute, rateLimitEntry(rate)] : [absolute] } };
    },
  },
];
