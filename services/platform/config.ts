// Settings every Hoard process shares, parsed once from the environment into a frozen object.
// A bad value stops the process at start-up with a message naming the variable.
import path from "node:path";

export interface PlatformConfig {
  /** Root of everything Hoard keeps on this host ($HOARD_HOME, default ./.hoard). */
  home: string;
  /** Control-plane database: file:... (SQLite, embedded default) or postgresql://... */
  databaseUrl: string;
  natsUrl: string;
  /** Where the gateway listens. */
  gatewayAddr: HostPort;
  /** Where the taskmanager's gRPC service listens. */
  taskmanagerAddr: HostPort;
  /** An agent silent for longer than this is shown ERROR. */
  heartbeatExpiryMs: number;
}

export interface HostPort {
  host: string;
  port: number;
}

type Env = Record<string, string | undefined>;

/** Reads the shared settings; throws a ConfigError naming the bad variable. */
export function loadPlatformConfig(env: Env = process.env): Readonly<PlatformConfig> {
  const home = path.resolve(env.HOARD_HOME ?? "./.hoard");
  return Object.freeze({
    home,
    databaseUrl: env.DATABASE_URL ?? `file:${path.join(home, "hoard.db")}`,
    natsUrl: env.HOARD_NATS_URL ?? "nats://127.0.0.1:4222",
    gatewayAddr: parseHostPort("HOARD_GATEWAY_ADDR", env.HOARD_GATEWAY_ADDR ?? "127.0.0.1:8779"),
    taskmanagerAddr: parseHostPort("HOARD_TASKMANAGER_ADDR", env.HOARD_TASKMANAGER_ADDR ?? "127.0.0.1:8780"),
    heartbeatExpiryMs: parseInteger("HOARD_HEARTBEAT_EXPIRY_MS", env.HOARD_HEARTBEAT_EXPIRY_MS ?? "10000", 1000),
  });
}

export class ConfigError extends Error {}

/** Parses "host:port" (port 0 allowed, for tests). */
export function parseHostPort(name: string, value: string): HostPort {
  const match = /^(.*):(\d+)$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || !match[1] || port > 65535) throw new ConfigError(`${name} must be host:port, got "${value}"`);
  return { host: match[1].replace(/^\[(.*)\]$/, "$1"), port };
}

/** Parses a whole number of at least `min`. */
export function parseInteger(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer >= ${min}, got "${value}"`);
  return n;
}
