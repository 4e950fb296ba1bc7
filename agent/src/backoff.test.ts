import { describe, expect, it } from "vitest";
import { restartDelayMs } from "./backoff.js";

describe("restartDelayMs", () => {
  it("doubles from 1 s and stops at the cap", () => {
    const policy = { initialMs: 1000, maxMs: 30_000 };
    expect([0, 1, 2, 3, 4, 5, 6, 100].map((n) => restartDelayMs(n, policy))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });
});
