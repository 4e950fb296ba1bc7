// Taskmanager settings, parsed once from the environment.
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseInteger, type PlatformConfig } from "../platform/config.js";
import { quotaDefaultsFromEnv, type QuotaLimits } from "../platform/quota.js";
import { taskDeadlinesMs } from "../platform/task-payload.js";

type TaskKind = keyof typeof taskDeadlinesMs;

export interface TaskmanagerConfig {
  /** Lease owner id; stable across restarts of the same taskmanager so it can resume its own tasks at once. */
  owner: string;
  pollMs: number;
  leaseMs: number;
  /** How often due backup schedules are fired and retention applied (HOARD_SCHEDULER_POLL_MS). */
  schedulerPollMs: number;
  agentConnectTimeoutMs: number;
  /** How often a running backup's progress is asked of its agent and recorded (HOARD_BACKUP_PROGRESS_POLL_MS). */
  backupProgressPollMs: number;
  /** How often dead agents of idle instances are restarted and orphaned directories collected. */
  readoptMs: number;
  addressMode: "loopback" | "host";
  hostAddress: string;
  /** Loopback mode: instance addresses are allocated after this one (two control planes on one host need different bases). */
  loopbackBase: string;
  portRange: [number, number];
  /** argv that starts a guest agent. */
  agentCommand: string[];
  /** argv of agents started by earlier versions, still recognised as an instance's agent. */
  formerAgentCommands: string[][];
  /**
   * Shorter deadlines per task kind, in ms from the task's submission: HOARD_TASK_DEADLINE_MS_<KIND>
   * for each kind of taskDeadlinesMs (HOARD_TASK_DEADLINE_MS_CREATE, ..._DELETE, ...). A task fails at whichever comes first, this or the
   * deadline the gateway stored (taskDeadlinesMs), so they can only shorten it. For tests that need
   * a create to give up in seconds, and for operators who want a stuck task to fail sooner.
   */
  taskDeadlineCapsMs: Readonly<Partial<Record<TaskKind, number>>>;
  /** Default project quotas (HOARD_QUOTA_*): scheduled backups respect them too. */
  quotaDefaults: QuotaLimits;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const compiled = import.meta.url.includes("/dist/");
/** The agent bundle (scripts/bundle-agent.mjs): one file, so node starts it without resolving a module graph. */
const agentBundle = path.join(repoRoot, "agent/hoard-agent.mjs");
const bundledAgent = [process.execPath, agentBundle];
const compiledAgent = [process.execPath, path.join(repoRoot, "agent/src/main.js")];

/**
 * The agent's entry point: the bundle when this code runs compiled and the bundle was built, else
 * the compiled entry point, else the source via tsx.
 */
function defaultAgentCommand(): string[] {
  if (compiled) return existsSync(agentBundle) ? bundledAgent : compiledAgent;
  return [process.execPath, "--import", "tsx", path.join(repoRoot, "agent/src/main.ts")];
}

function parseDeadlineCaps(env: NodeJS.ProcessEnv): Readonly<Partial<Record<TaskKind, number>>> {
  const caps: Partial<Record<TaskKind, number>> = {};
  for (const kind of Object.keys(taskDeadlinesMs) as TaskKind[]) {
    const name = `HOARD_TASK_DEADLINE_MS_${kind}`;
    const value = env[name];
    if (value !== undefined && value !== "") caps[kind] = parseInteger(name, value, 1000);
  }
  return Object.freeze(caps);
}

export function loadTaskmanagerConfig(platform: PlatformConfig, env = process.env): Readonly<TaskmanagerConfig> {
  const mode = env.HOARD_ADDRESS_MODE ?? "loopback";
  if (mode !== "loopback" && mode !== "host") throw new Error(`HOARD_ADDRESS_MODE must be loopback or host, got "${mode}"`);
  const [low, high] = (env.HOARD_PORT_RANGE ?? "15000-15999").split("-").map(Number);
  if (!low || !high || low > high) throw new Error(`HOARD_PORT_RANGE must be LOW-HIGH, got "${env.HOARD_PORT_RANGE}"`);
  return Object.freeze({
    owner: env.HOARD_TASKMANAGER_ID ?? `${os.hostname()}:${platform.home}`,
    pollMs: parseInteger("HOARD_TASK_POLL_MS", env.HOARD_TASK_POLL_MS ?? "1000", 50),
    leaseMs: parseInteger("HOARD_TASK_LEASE_MS", env.HOARD_TASK_LEASE_MS ?? "15000", 1000),
    schedulerPollMs: parseInteger("HOARD_SCHEDULER_POLL_MS", env.HOARD_SCHEDULER_POLL_MS ?? "5000", 100),
    agentConnectTimeoutMs: parseInteger("HOARD_AGENT_CONNECT_TIMEOUT_MS", env.HOARD_AGENT_CONNECT_TIMEOUT_MS ?? "60000", 100),
    backupProgressPollMs: parseInteger("HOARD_BACKUP_PROGRESS_POLL_MS", env.HOARD_BACKUP_PROGRESS_POLL_MS ?? "3000", 50),
    readoptMs: parseInteger("HOARD_READOPT_MS", env.HOARD_READOPT_MS ?? "15000", 500),
    addressMode: mode,
    hostAddress: env.HOARD_HOST_ADDRESS ?? "127.0.0.1",
    loopbackBase: env.HOARD_LOOPBACK_BASE ?? "127.10.0.0",
    portRange: [low, high] as [number, number],
    agentCommand: env.HOARD_AGENT_COMMAND ? (JSON.parse(env.HOARD_AGENT_COMMAND) as string[]) : defaultAgentCommand(),
    // An agent started from the other compiled form (before the bundle existed, or while it was
    // missing) is still the instance's agent: adopt it rather than start a second one.
    formerAgentCommands: compiled ? [bundledAgent, compiledAgent] : [],
    taskDeadlineCapsMs: parseDeadlineCaps(env),
    quotaDefaults: quotaDefaultsFromEnv(env),
  });
}
