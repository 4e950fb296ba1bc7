import { describe, expect, it } from "vitest";
import { loadGatewayConfig } from "./config.js";

describe("gateway config", () => {
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
