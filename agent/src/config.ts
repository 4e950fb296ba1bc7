// The agent's configuration: instance.json (written by the compute provider, found through
// HOARD_INSTANCE_CONFIG) plus a few timing knobs from the environment, read once into a frozen
// object. Anything wrong stops the agent at start with one message listing every problem.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { InstanceLayout } from "./datastores/manager.js";

/** Everything the agent runs on; built once by loadAgentConfig, never mutated. */
export interface AgentConfig {
  readonly instanceId: string;
  /** Datastore engine id, the key of the registry ("postgresql", ...). */
  readonly engine: string;
  readonly natsUrl: string;
  readonly volumeKind: "loop" | "directory";
  readonly layout: Readonly<InstanceLayout>;
  /** How often the supervisor probes the server (HOARD_AGENT_PROBE_MS). */
  readonly probeIntervalMs: number;
  /** How often a heartbeat goes out when nothing changes (HOARD_AGENT_HEARTBEAT_MS). */
  readonly heartbeatIntervalMs: number;
  /** First delay before restarting a crashed server, doubled per failure (HOARD_AGENT_RESTART_BACKOFF_MS). */
  readonly restartBackoffMs: number;
  /** Longest delay between crash restarts (HOARD_AGENT_RESTART_BACKOFF_MAX_MS). */
  readonly restartBackoffMaxMs: number;
  /** How often the engine's logs are checked against their cap (HOARD_AGENT_LOG_ROTATE_MS). */
  readonly logRotateIntervalMs: number;
}

/** instance.json is missing, unreadable or invalid; the message lists what is wrong. */
export class AgentConfigError extends Error {
  override readonly name = "AgentConfigError";
}

/** Environment variable naming the instance.json file. */
export const instanceConfigEnv = "HOARD_INSTANCE_CONFIG";

/** Reads HOARD_INSTANCE_CONFIG and the timing variables; throws AgentConfigError. */
export function loadAgentConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const file = env[instanceConfigEnv];
  if (!file) throw new AgentConfigError(`${instanceConfigEnv} is not set; it must name the instance's instance.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new AgentConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return parseAgentConfig(raw, env, file);
}

// Subject tokens and path segments are built from the id, so it is held to the stricter of both rules.
const instanceIdPattern = /^[A-Za-z0-9][A-Za-z0-9-]{0,127}$/;

/** Validates an already parsed instance.json; `source` names it in the error. */
export function parseAgentConfig(raw: unknown, env: NodeJS.ProcessEnv, source = "instance.json"): AgentConfig {
  const problems: string[] = [];
  const doc = isObject(raw) ? raw : (problems.push("top level must be a JSON object"), {});

  const str = (key: string): string => {
    const value = doc[key];
    if (typeof value === "string" && value !== "") return value;
    problems.push(`${key} must be a non-empty string`);
    return "";
  };
  const dir = (key: string): string => {
    const value = str(key);
    if (value !== "" && !path.isAbsolute(value)) problems.push(`${key} must be an absolute path`);
    return value;
  };

  const instanceId = str("instanceId");
  if (instanceId !== "" && !instanceIdPattern.test(instanceId)) {
    problems.push(`instanceId must match ${instanceIdPattern.source}`);
  }
  const engine = str("engine");
  const natsUrl = str("natsUrl");
  const host = str("host");
  const port = doc.port;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
    problems.push("port must be an integer between 1 and 65535");
  }
  const volumeKind = doc.volumeKind;
  if (volumeKind !== "loop" && volumeKind !== "directory") problems.push(`volumeKind must be "loop" or "directory"`);
  const layout: InstanceLayout = {
    instanceId,
    root: dir("root"),
    dataDir: dir("dataDir"),
    runDir: dir("runDir"),
    logDir: dir("logDir"),
    cacheDir: dir("cacheDir"),
    binDir: dir("binDir"),
    host,
    port: typeof port === "number" ? port : 0,
    runAs: parseRunAs(doc.runAs, problems),
  };

  const probeIntervalMs = envMs(env, "HOARD_AGENT_PROBE_MS", 1000, problems);
  const heartbeatIntervalMs = envMs(env, "HOARD_AGENT_HEARTBEAT_MS", 2000, problems);
  const restartBackoffMs = envMs(env, "HOARD_AGENT_RESTART_BACKOFF_MS", 1000, problems);
  const restartBackoffMaxMs = envMs(env, "HOARD_AGENT_RESTART_BACKOFF_MAX_MS", 30_000, problems);
  const logRotateIntervalMs = envMs(env, "HOARD_AGENT_LOG_ROTATE_MS", 30_000, problems);

  if (problems.length > 0) throw new AgentConfigError(`invalid ${source}: ${problems.join("; ")}`);
  return Object.freeze({
    instanceId,
    engine,
    natsUrl,
    volumeKind: volumeKind as AgentConfig["volumeKind"],
    layout: Object.freeze({ ...layout, runAs: layout.runAs && Object.freeze({ ...layout.runAs }) }),
    probeIntervalMs,
    heartbeatIntervalMs,
    restartBackoffMs,
    restartBackoffMaxMs: Math.max(restartBackoffMaxMs, restartBackoffMs),
    logRotateIntervalMs,
  });
}

function parseRunAs(value: unknown, problems: string[]): InstanceLayout["runAs"] {
  if (value === null || value === undefined) return undefined;
  const ok =
    isObject(value) &&
    typeof value.user === "string" &&
    value.user !== "" &&
    isId(value.uid) &&
    isId(value.gid);
  if (!ok) {
    problems.push("runAs must be null or {user, uid, gid} with a non-empty user and non-negative integer ids");
    return undefined;
  }
  return { user: value.user as string, uid: value.uid as number, gid: value.gid as number };
}

function envMs(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[]): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 10 || value > 3_600_000) {
    problems.push(`${name} must be a whole number of milliseconds between 10 and 3600000`);
    return fallback;
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isId(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}
