// Gateway settings, parsed once from the environment.
import { ConfigError, parseInteger } from "../platform/config.js";
import { quotaDefaultsFromEnv, type QuotaLimits } from "../platform/quota.js";

export interface GatewayConfig {
  /** Largest volume a create may ask for, in GiB. */
  maxVolumeGb: number;
  /** Lifetime of a token a user logs in for (Keystone password method), in seconds. */
  tokenTtlSeconds: number;
  /** Base URL clients reach the gateway at, for the Keystone catalog; from each request's Host when unset. */
  publicUrl: string | undefined;
  /** Region name of the Keystone catalog's endpoints. */
  region: string;
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
    tokenTtlSeconds: parseTokenTtl(env.HOARD_TOKEN_TTL_SECONDS ?? "3600"),
    publicUrl: parsePublicUrl(env.HOARD_PUBLIC_URL),
    region: env.HOARD_REGION || "RegionOne",
    quotaDefaults: quotaDefaultsFromEnv(env),
    rateLimitRps: parseRate("HOARD_RATE_LIMIT_RPS", env.HOARD_RATE_LIMIT_RPS ?? "100"),
    rateLimitBurst: parseInteger("HOARD_RATE_LIMIT_BURST", env.HOARD_RATE_LIMIT_BURST ?? "300", 1),
  });
}

/** Logins last at most 30 days: a stolen token should not outlive the next password change by months. */
const maxTokenTtlSeconds = 30 * 24 * 3600;

function parseTokenTtl(value: string): number {
  const ttl = parseInteger("HOARD_TOKEN_TTL_SECONDS", value, 1);
  if (ttl > maxTokenTtlSeconds) throw new ConfigError(`HOARD_TOKEN_TTL_SECONDS must be at most ${maxTokenTtlSeconds} (30 days), got ${ttl}`);
  return ttl;
}

function parsePublicUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`HOARD_PUBLIC_URL must be a URL such as https://db.example.com, got "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError(`HOARD_PUBLIC_URL must be http:// or https://, got "${value}"`);
  if (url.search || url.hash) throw new ConfigError(`HOARD_PUBLIC_URL must not have a query or fragment, got "${value}"`);
  return value.replace(/\/+$/, "");
}

/** A rate in requests per second: 0 (off) or more, fractions allowed (0.5 = one every two seconds). */
function parseRate(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be a number >= 0, got "${value}"`);
  return n;
}
