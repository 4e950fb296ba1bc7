// Token buckets per key (an API token's id): each holds up to `burst` requests and refills at
// `ratePerSecond`. A request takes one; an empty bucket says how long until the next one.
//
// Memory stays bounded: a bucket untouched for burst/rate seconds has refilled completely, which
// is exactly a new bucket, so sweeps drop it without changing any answer. What is kept is one small
// entry per token used within that window; keys are ids of authenticated tokens, never anything a
// caller can invent.

export interface TokenBucketOptions {
  ratePerSecond: number;
  burst: number;
  /** The clock, in ms (injected by tests). */
  now?: () => number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number };

export interface TokenBuckets {
  /** Takes one request from `key`'s bucket, or says how long until it holds one. */
  take(key: string): TakeResult;
  /** What `key`'s bucket holds now, without taking any (a bucket not in use is full): Trove's /limits shows it. */
  peek(key: string): number;
  /** Buckets held now (for tests and metrics). */
  size(): number;
}

/** Sweeps run at most this often, so a tiny refill window never makes every request scan the map. */
const minSweepIntervalMs = 10_000;

export function createTokenBuckets({ ratePerSecond, burst, now = Date.now }: TokenBucketOptions): TokenBuckets {
  if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError("ratePerSecond must be > 0 and burst >= 1");
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillMs = (burst / ratePerSecond) * 1000;
  let lastSweep = now();

  function sweep(t: number): void {
    if (t - lastSweep < Math.max(refillMs, minSweepIntervalMs)) return;
    lastSweep = t;
    for (const [key, bucket] of buckets) if (t - bucket.at >= refillMs) buckets.delete(key);
  }

  /** The bucket's tokens at time `t`. */
  function held(key: string, t: number): number {
    const bucket = buckets.get(key) ?? { tokens: burst, at: t };
    // A clock that steps back (tests, NTP) refills nothing rather than draining.
    return Math.min(burst, bucket.tokens + (Math.max(0, t - bucket.at) / 1000) * ratePerSecond);
  }

  return {
    take(key) {
      const t = now();
      sweep(t);
      const tokens = held(key, t);
      if (tokens < 1) {
        buckets.set(key, { tokens, at: t });
        // Rounded to the microsecond first, so float dust (1.0000000000000009 ms) does not add a whole ms.
        const waitMs = Math.round(((1 - tokens) / ratePerSecond) * 1_000_000) / 1000;
        return { ok: false, retryAfterMs: Math.ceil(waitMs) };
      }
      buckets.set(key, { tokens: tokens - 1, at: t });
      return { ok: true };
    },
    peek: (key) => held(key, now()),
    size: () => buckets.size,
  };
}
