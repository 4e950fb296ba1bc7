// Gateway settings, parsed once from the environment.
import { ConfigError, parseInteger } from "../platform/config.js";

export interface GatewayConfig {
  /** Largest volume a create may ask for, in GiB. */
  maxVolumeGb: number;
  /** Lifetime of a token a user logs in for (Keystone password method), in seconds. */
  tokenTtlSeconds: number;
  /** Base URL clients reach the gateway at, for the Keystone catalog; from each request's Host when unset. */
  publicUrl: string | undefined;
  /** Region name of the Keystone catalog's endpoints. */
  region: string;
}

export function loadGatewayConfig(env = process.env): Readonly<GatewayConfig> {
  return Object.freeze({
    maxVolumeGb: parseInteger("HOARD_MAX_VOLUME_GB", env.HOARD_MAX_VOLUME_GB ?? "100", 1),
    tokenTtlSeconds: parseTokenTtl(env.HOARD_TOKEN_TTL_SECONDS ?? "3600"),
    publicUrl: parsePublicUrl(env.HOARD_PUBLIC_URL),
    region: env.HOARD_REGION || "RegionOne",
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
