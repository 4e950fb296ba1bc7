// The guest agent of an instance: started detached in its own session so it (and the database
// server it starts) outlives the control plane, and found again afterwards. A pid alone is not
// proof, as pids get reused: the process must still run the agent command and carry this
// instance's HOARD_INSTANCE_CONFIG in its environment (every agent has the same argv).

import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import type { Logger } from "pino";
import type { InstancePaths } from "./instance-paths.js";
import { isAlive, listPids, readCmdline, readEnviron } from "./proc-fs.js";
import { waitUntil } from "./wait.js";

/** Processes looked at concurrently when scanning /proc for an agent. */
const SCAN_BATCH = 32;

/** The environment variable through which the agent finds instance.json. */
export const INSTANCE_CONFIG_ENV = "HOARD_INSTANCE_CONFIG";

export interface AgentLauncher {
  command: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Variables of this process the agent must not inherit. */
  unsetEnv?: readonly string[];
  logger: Logger;
}

/**
 * The argv an agent may run with: the one this provider starts agents with first, then those of
 * earlier versions, whose agents are still this instance's agent (adopted, stopped on destroy)
 * rather than a stranger to start a second agent beside.
 */
export type AgentCommands = readonly (readonly string[])[];

/** True when `pid` is this instance's agent (alive, a known argv, right config in its environment). */
export async function isInstanceAgent(pid: number, commands: AgentCommands, configPath: string): Promise<boolean> {
  if (!(await isAlive(pid))) return false;
  const argv = await readCmdline(pid);
  if (!commands.some((command) => sameArgv(argv, command))) return false;
  return (await readEnviron(pid)).includes(`${INSTANCE_CONFIG_ENV}=${configPath}`);
}

/**
 * Pid of the running agent: the one in agent.pid when it checks out, else one found by scanning
 * /proc (a crash between spawn and writing agent.pid), whose pid is then recorded again.
 */
export async function findAgent(paths: InstancePaths, commands: AgentCommands): Promise<number | undefined> {
  const recorded = await readPidFile(paths.agentPid);
  if (recorded !== undefined && (await isInstanceAgent(recorded, commands, paths.config))) return recorded;
  // In batches: one process at a time costs an event-loop round trip each, all at once could run
  // out of file descriptors, and a failed read would hide a live agent.
  const pids = (await listPids()).filter((pid) => pid !== process.pid);
  for (let start = 0; start < pids.length; start += SCAN_BATCH) {
    const batch = pids.slice(start, start + SCAN_BATCH);
    const matches = await Promise.all(batch.map((pid) => isInstanceAgent(pid, commands, paths.config)));
    const found = batch.find((_, i) => matches[i]);
    if (found !== undefined) {
      await writePidFile(paths.agentPid, found);
      return found;
    }
  }
  return undefined;
}

function agentEnv(launcher: AgentLauncher, paths: InstancePaths): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...launcher.env, [INSTANCE_CONFIG_ENV]: paths.config };
  for (const name of launcher.unsetEnv ?? []) delete env[name];
  return env;
}

/** Spawns the agent detached with its output appended to logs/agent.log, and records its pid. */
export async function startAgent(paths: InstancePaths, launcher: AgentLauncher): Promise<number> {
  const [file, ...args] = launcher.command;
  if (file === undefined) throw new Error("agentCommand must not be empty");
  const log = openSync(paths.agentLog, "a", 0o640);
  try {
    const child = spawn(file, args, {
      cwd: paths.root,
      detached: true,
      stdio: ["ignore", log, log],
      env: agentEnv(launcher, paths),
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      child.once("spawn", () => {
        if (child.pid === undefined) reject(new Error("agent spawned without a pid"));
        else resolve(child.pid);
      });
    });
    child.unref();
    await writePidFile(paths.agentPid, pid);
    launcher.logger.info({ pid, command: launcher.command }, "agent started");
    return pid;
  } finally {
    closeSync(log);
  }
}

/**
 * SIGTERMs the agent, SIGKILLs it after `graceMs`, and removes agent.pid. Answers the pid it
 * stopped, which is also the id of the session the agent led (it is started detached).
 */
export async function stopAgent(
  paths: InstancePaths,
  commands: AgentCommands,
  options: { graceMs: number; logger: Logger; signal?: AbortSignal },
): Promise<number | undefined> {
  const pid = await findAgent(paths, commands);
  if (pid !== undefined) {
    options.logger.info({ pid }, "stopping agent");
    kill(pid, "SIGTERM");
    if (!(await waitUntil(async () => !(await isAlive(pid)), options.graceMs, options.signal))) {
      options.logger.warn({ pid }, "agent ignored SIGTERM; sending SIGKILL");
      kill(pid, "SIGKILL");
      await waitUntil(async () => !(await isAlive(pid)), 2000, options.signal);
    }
  }
  await rm(paths.agentPid, { force: true });
  return pid;
}

async function readPidFile(file: string): Promise<number | undefined> {
  const text = await readFile(file, "utf8").catch(() => "");
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function writePidFile(file: string, pid: number): Promise<void> {
  const temp = `${file}.tmp`;
  await writeFile(temp, `${pid}\n`);
  await rename(temp, file);
}

function sameArgv(argv: readonly string[], command: readonly string[]): boolean {
  return argv.length === command.length && argv.every((arg, i) => arg === command[i]);
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}
