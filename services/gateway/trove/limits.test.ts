// Hoard's token bucket as Trove's rate-limit entry: the rate in the shortest unit it is whole in,
// what the bucket holds, and when the next request passes once it is empty.
import { describe, expect, it } from "vitest";
import { rateLimitEntry } from "./limits.js";

const now = Date.parse("2026-11-25T23:00:00.000Z");

describe("Trove rate-limit entry", () => {
  it("gives a whole rate per second, the bucket's tokens and the burst", () => {
    expect(rateLimitEntry({ ratePerSecond: 100, burst: 300, tokens: 299.4 }, now)).toEqual({
      verb: "*",
      uri: "*",
      regex: ".*",
      value: 100,
      unit: "SECOND",
      remaining: 299,
      nextAvailable: "2026-11-25T23:00:00Z",
      burst: 300,
    });
  });

  it("moves a fractional rate to a longer unit", () => {
    expect(rateLimitEntry({ ratePerSecond: 0.5, burst: 2, tokens: 2 }, now)).toMatchObject({ value: 30, unit: "MINUTE" });
    expect(rateLimitEntry({ ratePerSecond: 1 / 3600, burst: 1, tokens: 1 }, now)).toMatchObject({ value: 1, unit: "HOUR" });
  });

  it("says when an empty bucket lets the next request through", () => {
    expect(rateLimitEntry({ ratePerSecond: 0.5, burst: 2, tokens: 0.25 }, now)).toMatchObject({ remaining: 0, nextAvailable: "2026-11-25T23:00:01Z" });
  });
});
