import { describe, expect, it } from "vitest";
import { autoBackupName } from "./backup-names.js";

describe("autoBackupName", () => {
  it("is auto-<instance>-<UTC yyyymmddThhmmss>", () => {
    expect(autoBackupName("db1", new Date("2025-03-04T05:06:07.890Z"))).toBe("auto-db1-20250304T050607");
  });

  it("shortens a long instance name to fit 64 characters, keeping the time", () => {
    const name = autoBackupName("x".repeat(64), new Date("2025-12-31T23:59:59Z"));
    expect(name).toHaveLength(64);
    expect(name).toMatch(/^auto-x+-20251231T235959$/);
  });
});
