// Byte counts as tables show them: binary units, one decimal, never "1024.0" of a unit.
import { describe, expect, it } from "vitest";
import { humanBytes } from "../../cli/format.js";

describe("humanBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [12_897_485n, "12.3 MiB"],
    [1_048_575, "1.0 MiB"],
    [5n * 1024n ** 3n, "5.0 GiB"],
    [3 * 1024 ** 5, "3.0 PiB"],
    [2048 * 1024 ** 5, "2048.0 PiB"],
  ])("%s bytes read %s", (bytes, text) => {
    expect(humanBytes(bytes)).toBe(text);
  });
});
