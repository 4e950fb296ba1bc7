// Gateway settings: rate-limit and quota defaults that never trip ordinary use, and bad values
// refused at start-up naming the variable.
import { describe, expect, it } from "vitest";
import { builtInQuotaDefaults } from "../platform/quota.js";
import { loadGatewayConfig } from "./config.js";

describe("loadGatewayConfig", () => {
  it("has defaults", () => {
    expect(loadGatewayConfig({})).toMatchObject({ maxVolumeGb: 100, quotaDefaults: builtInQuotaDefaults, rateLimitRps: 100, rateLimitBurst: 300 });
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


describe("loadGatewayConfig: identity settings", () => {
  it("defaults: one-hour logins, the request's Host for URLs, RegionOne", () => {
    expect(loadGatewayConfig({})).toMatchObject({ tokenTtlSeconds: 3600, publicUrl: undefined, region: "RegionOne" });
  });

  it("reads the token lifetime, public URL (without a trailing slash) and region", () => {
    const config = loadGatewayConfig({ HOARD_TOKEN_TTL_SECONDS: "600", HOARD_PUBLIC_URL: "https://db.example.com/hoard/", HOARD_REGION: "north" });
    expect(config).toMatchObject({ tokenTtlSeconds: 600, publicUrl: "https://db.example.com/hoard", region: "north" });
  });

  it.each([
    [{ HOARD_TOKEN_TTL_SECONDS: "0" }, /HOARD_TOKEN_TTL_SECONDS must be an integer >= 1/],
    [{ HOARD_TOKEN_TTL_SECONDS: "1h" }, /HOARD_TOKEN_TTL_SECONDS/],
    [{ HOARD_TOKEN_TTL_SECONDS: "99999999" }, /at most 2592000/],
    [{ HOARD_PUBLIC_URL: "db.example.com" }, /HOARD_PUBLIC_URL must be a URL/],
    [{ HOARD_PUBLIC_URL: "ftp://db.example.com" }, /http:\/\/ or https:\/\//],
    [{ HOARD_PUBLIC_URL: "https://db.example.com/?x=1" }, /query or fragment/],
  ])("refuses %j", (env, message) => {
    expect(() => loadGatewayConfig(env)).toThrow(message);
  });
});
