// Gateway settings, parsed once from the environment.
import { ConfigError, parseInteger } from "../platform/config.js";
import { quotaDefaultsFromEnv, type QuotaLimits } from "../platform/quota.js";

export interface GatewayConfig {
  /** Largest volume a create may ask for, in GiB. */
  maxVolumeGb: number;
  /** Default project quotas (HOARD_QUOTA_*); admins override them per project. */
  quotaDefaults: QuotaLimits;
  /** Requests per second each token may make on average (HOARD_RATE_LIMIT_RPS); 0: no rate limit. */
  rateLimitRps: number;
  /** How many requests a token may make at once after being idle (HOARD_RATE_LIMIT_BURST). */
  rateLimitBurst: number;
}

export function loadGatewayConfig(env = process.env): Readonly<GatewayConfig> {
  return Object.freeze({
    maxVolumeGb: parseInteger("HOARD_MAX_VOLUME_GB", env.HOARD_MAX_VOLUME_GB ?? "100", 1),
    quotaDefaults: quotaDefaultsFromEnv(env),
    rateLimitRps: parseRate("HOARD_RATE_LIMIT_RPS", env.HOARD_RATE_LIMIT_RPS ?? "100"),
    rateLimitBurst: parseInteger("HOARD_RATE_LIMIT_BURST", env.HOARD_RATE_LIMIT_BURST ?? "300", 1),
  });
}

/** A rate in requests per second: 0 (off) or more, fractions allowed (0.5 = one every two seconds). */
function parseRate(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be a number >= 0, got "${value}"`);
  return n;
}
