import { describe, expect, it } from "vitest";
import { walSegmentBytes } from "./backup-estimate.js";

describe("walSegmentBytes", () => {
  it.each([
    ["16MB", 16 * 1024 ** 2],
    ["1GB", 1024 ** 3],
    ["64kB", 64 * 1024],
    ["16777216", 16 * 1024 ** 2],
    ["", 0],
    ["sixteen", 0],
  ])("%j is %i bytes", (setting, bytes) => {
    expect(walSegmentBytes(setting)).toBe(bytes);
  });
});
