// Helpers for the local compute provider tests: a throwaway $HOARD_HOME, a provider wired to the
// stand-in agent, and looks at /proc, mounts and loop devices to check what a user would see.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { createLocalProvider, type LocalProviderOptions } from "../../services/taskmanager/compute/local/index.js";
import type { ComputeProvider, InstanceSpec } from "../../services/taskmanager/compute/provider.js";

export const STAND_IN_AGENT = fileURLToPath(new URL("./fixtures/stand-in-agent.mjs", import.meta.url));
export const AGENT_COMMAND = [process.execPath, STAND_IN_AGENT];

/** A fresh $HOARD_HOME under the OS temp directory, traversable by the engine account. */
export async function tempHome(): Promise<string> {
  const home = await mkdtemp(path.join(os.tmpdir(), "hoard-compute-"));
  await chmod(home, 0o755);
  return home;
}

/** A local provider on `home` that starts the stand-in agent. */
export function testProvider(home: string, overrides: Partial<LocalProviderOptions> = {}): ComputeProvider {
  return createLocalProvider({
    home,
    natsUrl: "nats://127.0.0.1:4222",
    agentCommand: AGENT_COMMAND,
    addressMode: "loopback",
    loopbackBase: "127.86.0.0",
    logger: pino({ level: process.env.HOARD_TEST_LOG ?? "silent" }),
    stopGraceMs: 2000,
    ...overrides,
  });
}

/** A postgresql instance spec with a 1 GiB volume. */
export function spec(instanceId: string, extra: Partial<InstanceSpec> = {}): InstanceSpec {
  return { instanceId, volumeSizeGb: 1, engine: "postgresql", binDir: "/usr/lib/postgresql/16/bin", ...extra };
}

/** A signal that never aborts. */
export const never = (): AbortSignal => new AbortController().signal;

/** True when `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Reads a pid file written by the stand-in agent, waiting for it to appear. */
export async function readPid(file: string, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(file)) {
      const pid = Number((await readFile(file, "utf8")).trim());
      if (pid > 0) return pid;
    }
    if (Date.now() > deadline) throw new Error(`no pid in ${file}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls until `check` holds, failing after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Mount entries (target, fstype, source) at or below `dir`. */
export function mountsUnder(dir: string): { source: string; target: string; fsType: string }[] {
  return readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" "))
    .filter((f) => f[1] !== undefined && (f[1] === dir || f[1].startsWith(`${dir}/`)))
    .map((f) => ({ source: f[0] ?? "", target: f[1] ?? "", fsType: f[2] ?? "" }));
}

/** Backing files of all loop devices on the host that lie under `dir`. */
export function loopBackingFilesUnder(dir: string): string[] {
  const out = execFileSync("losetup", ["--list", "--noheadings", "--output", "BACK-FILE"], { encoding: "utf8" });
  return out
    .split("\n")
    .map((l) => l.trim())
    .filter((f) => f.startsWith(`${dir}/`));
}

/** Pids of live processes whose cwd or argv mentions `dir`. */
export function processesMentioning(dir: string): number[] {
  const pids: number[] = [];
  for (const name of execFileSync("ls", ["/proc"], { encoding: "utf8" }).split("\n")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || !isAlive(pid)) continue;
    let cwd = "";
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      cwd = execFileSync("readlink", [`/proc/${pid}/cwd`], { encoding: "utf8" }).trim();
    } catch {
      continue;
    }
    if (cwd.startsWith(dir) || cmdline.includes(dir)) pids.push(pid);
  }
  return pids;
}
