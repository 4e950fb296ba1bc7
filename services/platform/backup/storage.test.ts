import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../errors.js";
import { validateKey } from "./storage.js";

describe("validateKey", () => {
  it.each(["b1/base.bin", "abc", "0f3a-9c/wal/000000010000000000000003.gz", "a_b/c-d/e.f"])("accepts %s", (key) => {
    expect(validateKey(key)).toBe(key);
  });

  it.each([
    ["empty", ""],
    ["parent", "../etc/passwd"],
    ["parent inside", "a/../../b"],
    ["dot segment", "a/./b"],
    ["hidden segment", "a/.b"],
    ["absolute", "/etc/passwd"],
    ["trailing slash", "a/"],
    ["double slash", "a//b"],
    ["backslash", "a\\b"],
    ["space", "a b"],
    ["nul", "a\0b"],
    ["non-ascii", "bäckup"],
    ["too long", "a".repeat(513)],
  ])("refuses %s", (_what, key) => {
    expect(() => validateKey(key)).toThrow(InvalidArgumentError);
  });
});
