// The quota rule and its settings: what passes, what is refused and how the refusal reads.
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config.js";
import { QuotaExceededError } from "./errors.js";
import { builtInQuotaDefaults, checkBackupStorage, checkQuota, gib, quotaDefaultsFromEnv } from "./quota.js";

describe("checkQuota", () => {
  it("passes up to the limit and refuses past it, naming usage, request and limit", () => {
    expect(() => checkQuota("volume_gb", 25, 15, 10)).not.toThrow();
    const refuse = () => checkQuota("volume_gb", 25, 20, 10);
    expect(refuse).toThrow(QuotaExceededError);
    expect(refuse).toThrow("quota exceeded for volume_gb: 20 in use + 10 requested > limit 25");
    try {
      refuse();
    } catch (err) {
      expect((err as QuotaExceededError).code).toBe(Code.ResourceExhausted);
    }
  });

  it("never refuses with -1 (unlimited) or a request for nothing more", () => {
    expect(() => checkQuota("instances", -1, 1_000_000, 1)).not.toThrow();
    expect(() => checkQuota("ram_mb", 100, 500, 0)).not.toThrow(); // a shrink while already over
    expect(() => checkQuota("ram_mb", 100, 500, -256)).not.toThrow();
    expect(() => checkQuota("instances", 0, 0, 1)).toThrow("quota exceeded for instances: 0 in use + 1 requested > limit 0");
  });

  it("backup_gb: refuses only once stored backups reach the limit", () => {
    expect(() => checkBackupStorage(2, BigInt(2 * gib) - 1n)).not.toThrow();
    expect(() => checkBackupStorage(2, BigInt(2 * gib))).toThrow("quota exceeded for backup_gb: 2.0 in use >= limit 2; delete backups to take new ones");
    expect(() => checkBackupStorage(-1, BigInt(100 * gib))).not.toThrow();
  });
});

describe("quotaDefaultsFromEnv", () => {
  it("takes the built-in defaults, overridden by HOARD_QUOTA_*", () => {
    expect(quotaDefaultsFromEnv({})).toEqual(builtInQuotaDefaults);
    expect(quotaDefaultsFromEnv({ HOARD_QUOTA_INSTANCES: "3", HOARD_QUOTA_RAM_MB: "-1", HOARD_QUOTA_BACKUP_GB: "" })).toEqual({
      ...builtInQuotaDefaults,
      instances: 3,
      ram_mb: -1,
    });
  });

  it("refuses values that are not whole numbers of -1 or more", () => {
    expect(() => quotaDefaultsFromEnv({ HOARD_QUOTA_BACKUPS: "lots" })).toThrow(ConfigError);
    expect(() => quotaDefaultsFromEnv({ HOARD_QUOTA_BACKUPS: "-2" })).toThrow("HOARD_QUOTA_BACKUPS must be an integer >= -1");
    expect(() => quotaDefaultsFromEnv({ HOARD_QUOTA_VOLUME_GB: "99999999999" })).toThrow(/at most 2147483647/);
  });
});
