// Configuration-group parameters on top of the flavor-derived redis.conf: which names a user may
// set, how they merge with Hoard's own settings, and how two spellings of one value compare
// ("384mb" in redis.conf, "402653184" from CONFIG GET). Pure, no server needed.
import { DatastoreSpecError } from "../errors.js";
import type { InstanceLayout, ServerSettings } from "../manager.js";
import type { RedisPaths } from "./paths.js";
import { deriveSettings, type Settings } from "./settings.js";

/**
 * Settings the agent owns for the instance's lifetime: where it listens, where its files are, how
 * the agent reaches and supervises it, what no one may do at run time, and replication (the
 * agent's job). A parameter could only break the instance or lock the agent out through them.
 */
export const AGENT_OWNED: ReadonlySet<string> = new Set([
  "bind", "port", "unixsocket", "unixsocketperm", "pidfile", "logfile", "dir", "dbfilename", "appendfilename", "appenddirname",
  "aclfile", "daemonize", "supervised", "enable-protected-configs", "enable-debug-command", "enable-module-command",
  "requirepass", "masteruser", "masterauth", "replicaof", "slaveof", "include", "loadmodule", "rename-command", "user",
]);

/** The slow log threshold Hoard uses when the slow log is switched on and no parameter sets one (Redis's own default). */
export const DEFAULT_SLOWLOG_THRESHOLD_US = "10000";
export const SLOWLOG_THRESHOLD = "slowlog-log-slower-than";

/** Throws DatastoreSpecError for a parameter name or value that could not be written into redis.conf or is the agent's. */
export function checkParameters(parameters: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(parameters)) {
    if (!/^[a-z][a-z0-9_-]{0,63}$/.test(name)) throw new DatastoreSpecError(`${JSON.stringify(name)} is not a Redis parameter name`);
    if (AGENT_OWNED.has(name)) throw new DatastoreSpecError(`redis parameter ${name} is managed by Hoard and cannot be set`);
    if (typeof value !== "string" || /[\0-\x1f\x7f]/.test(value)) {
      throw new DatastoreSpecError(`redis parameter ${name}: the value must be text on one line`);
    }
  }
}

/**
 * The slow log threshold the instance's redis.conf should carry, when it must carry one: the
 * agent's switch (setLogEnabled) decides on or off; the parameter, when it sets a threshold, says
 * how slow is slow. Without the switch ever used, the parameters (or Redis's default) decide.
 */
export function slowLogThreshold(parameters: Readonly<Record<string, string>>, enabled: boolean | undefined): string | undefined {
  const configured = parameters[SLOWLOG_THRESHOLD];
  if (enabled === undefined) return configured;
  if (!enabled) return "-1";
  return configured !== undefined && Number(configured) >= 0 ? configured : DEFAULT_SLOWLOG_THRESHOLD_US;
}

/**
 * Everything redis.conf holds: the flavor-derived settings, each replaced in place by a parameter
 * of the same name (parameters win), then the other parameters in name order, then the slow log
 * switch. Throws DatastoreSpecError on a bad flavor or parameter.
 */
export function instanceSettings(
  settings: Pick<ServerSettings, "ramMb" | "vcpus" | "parameters">,
  slowLogEnabled: boolean | undefined,
  layout: InstanceLayout,
  paths: RedisPaths,
): Settings {
  checkParameters(settings.parameters);
  const overrides = new Map(Object.entries(settings.parameters));
  const threshold = slowLogThreshold(settings.parameters, slowLogEnabled);
  if (threshold !== undefined) overrides.set(SLOWLOG_THRESHOLD, threshold);
  const merged = deriveSettings(settings, layout, paths).map(([name, ...args]) => {
    const value = overrides.get(name);
    overrides.delete(name);
    return value === undefined ? ([name, ...args] as const) : ([name, value] as const);
  });
  const rest = [...overrides].sort(([a], [b]) => a.localeCompare(b));
  return [...merged, ...rest];
}

const UNITS: Readonly<Record<string, number>> = { k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };

/**
 * One spelling per value, so a redis.conf value and a CONFIG GET answer compare equal when Redis
 * reads them alike: case and spacing folded, memory units (Redis's: k = 1000, kb = 1024) in bytes.
 */
export function normaliseValue(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .map((token) => {
      const match = /^(\d+)(k|kb|m|mb|g|gb)$/.exec(token);
      return match ? String(Number(match[1]) * (UNITS[match[2] ?? ""] ?? 1)) : token;
    })
    .join(" ");
}
