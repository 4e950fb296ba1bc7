// Gateway settings: rate-limit and quota defaults that never trip ordinary use, and bad values
// refused at start-up naming the variable.
import { describe, expect, it } from "vitest";
import { builtInQuotaDefaults } from "../platform/quota.js";
import { loadGatewayConfig } from "./config.js";

describe("loadGatewayConfig", () => {
  it("has defaults", () => {
    expect(loadGatewayConfig({})).toEqual({ maxVolumeGb: 100, quotaDefaults: builtInQuotaDefaults, rateLimitRps: 100, rateLimitBurst: 300 });
  });

  it("reads the rate limit, fractions and 0 (off) included", () => {
    expect(loadGatewayConfig({ HOARD_RATE_LIMIT_RPS: "0.5", HOARD_RATE_LIMIT_BURST: "2" })).toMatchObject({ rateLimitRps: 0.5, rateLimitBurst: 2 });
    expect(loadGatewayConfig({ HOARD_RATE_LIMIT_RPS: "0" }).rateLimitRps).toBe(0);
    expect(loadGatewayConfig({ HOARD_QUOTA_INSTANCES: "4" }).quotaDefaults.instances).toBe(4);
  });

  it("refuses bad values, naming the variable", () => {
    expect(() => loadGatewayConfig({ HOARD_RATE_LIMIT_RPS: "-1" })).toThrow(/HOARD_RATE_LIMIT_RPS must be a number >= 0/);
    expect(() => loadGatewayConfig({ HOARD_RATE_LIMIT_RPS: "fast" })).toThrow(/HOARD_RATE_LIMIT_RPS/);
    expect(() => loadGatewayConfig({ HOARD_RATE_LIMIT_RPS: " " })).toThrow(/HOARD_RATE_LIMIT_RPS/);
    expect(() => loadGatewayConfig({ HOARD_RATE_LIMIT_BURST: "0" })).toThrow(/HOARD_RATE_LIMIT_BURST must be an integer >= 1/);
    expect(() => loadGatewayConfig({ HOARD_QUOTA_RAM_MB: "1.5" })).toThrow(/HOARD_QUOTA_RAM_MB/);
  });
});
