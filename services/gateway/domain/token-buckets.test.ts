// Token buckets on an injected clock: a burst, then one request per 1/rate seconds, a retry hint
// that is exactly when the next request passes, keys apart, and idle buckets dropped.
import { describe, expect, it } from "vitest";
import { createTokenBuckets } from "./token-buckets.js";

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("token buckets", () => {
  it("lets a burst through, then refuses with the time until the next request", () => {
    const c = clock();
    const buckets = createTokenBuckets({ ratePerSecond: 2, burst: 3, now: c.now });
    expect([1, 2, 3].map(() => buckets.take("a").ok)).toEqual([true, true, true]);
    expect(buckets.take("a")).toEqual({ ok: false, retryAfterMs: 500 });
    c.advance(499);
    expect(buckets.take("a")).toEqual({ ok: false, retryAfterMs: 1 });
    c.advance(1);
    expect(buckets.take("a")).toEqual({ ok: true });
    expect(buckets.take("a").ok).toBe(false);
  });

  it("refills at the rate, never above the burst", () => {
    const c = clock();
    const buckets = createTokenBuckets({ ratePerSecond: 10, burst: 5, now: c.now });
    for (let i = 0; i < 5; i++) buckets.take("a");
    c.advance(60_000); // a minute idle refills 5, not 600
    const passed = Array.from({ length: 8 }, () => buckets.take("a").ok).filter(Boolean).length;
    expect(passed).toBe(5);
  });

  it("peeks at what a bucket holds without taking any", () => {
    const c = clock();
    const buckets = createTokenBuckets({ ratePerSecond: 2, burst: 3, now: c.now });
    expect(buckets.peek("a")).toBe(3);
    buckets.take("a");
    buckets.take("a");
    expect(buckets.peek("a")).toBe(1);
    expect(buckets.peek("a")).toBe(1);
    c.advance(250);
    expect(buckets.peek("a")).toBe(1.5);
    expect(buckets.size()).toBe(1);
  });

  it("keeps each key's bucket apart", () => {
    const c = clock();
    const buckets = createTokenBuckets({ ratePerSecond: 1, burst: 1, now: c.now });
    expect(buckets.take("a").ok).toBe(true);
    expect(buckets.take("a").ok).toBe(false);
    expect(buckets.take("b").ok).toBe(true);
  });

  it("allows fractional rates", () => {
    const c = clock();
    const buckets = createTokenBuckets({ ratePerSecond: 0.5, burst: 1, now: c.now });
    expect(buckets.take("a").ok).toBe(true);
    expect(buckets.take("a")).toEqual({ ok: false, retryAfterMs: 2000 });
  });

  it("drops buckets idle long enough to have refilled, and only those", () => {
    const c = clock();
    const buckets = createTokenBuckets({ ratePerSecond: 1, burst: 20, now: c.now });
    for (let i = 0; i < 1000; i++) buckets.take(`idle-${i}`);
    expect(buckets.size()).toBe(1000);
    c.advance(15_000);
    for (let i = 0; i < 20; i++) buckets.take("busy"); // drained: must survive a sweep
    c.advance(5_000); // idle ones: 20 s = burst/rate, full again
    buckets.take("other");
    expect(buckets.size()).toBe(2);
    // The busy bucket kept its state: 5 s refilled 5 requests, no more.
    const passed = Array.from({ length: 10 }, () => buckets.take("busy").ok).filter(Boolean).length;
    expect(passed).toBe(5);
  });

  it("refuses nonsense settings", () => {
    expect(() => createTokenBuckets({ ratePerSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => createTokenBuckets({ ratePerSecond: 1, burst: 0 })).toThrow(RangeError);
  });
});
