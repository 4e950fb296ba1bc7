// Starts real Hoard processes for end-to-end tests: a private nats-server, the control plane as
// child processes (`hoard up` or `hoard serve ...`) on free ports, and a HOARD_HOME of their own.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const cliMain = path.join(repoRoot, "dist/cli/main.js");
const manageMain = path.join(repoRoot, "dist/cli/manage-main.js");
const run = promisify(execFile);

export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export async function waitUntil<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
}

export interface NatsServer {
  url: string;
  stop(): Promise<void>;
}

export async function startNats(dir: string): Promise<NatsServer> {
  const port = await freePort();
  const child = spawn("/usr/sbin/nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", path.join(dir, "nats")], { stdio: "ignore" });
  await waitUntil(() => new Promise<true | undefined>((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(undefined));
  }), "nats-server");
  return { url: `nats://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

export interface StackOptions {
  /** Which processes: one `hoard up`, or separate `hoard serve` processes. */
  mode?: "up" | "separate";
  env?: Record<string, string>;
}

/** A control plane under test. Its instances outlive `stop()`, as in production. */
export interface Stack {
  home: string;
  url: string;
  token: string;
  env: Record<string, string>;
  processes: Map<string, ChildProcess>;
  /** Starts (again) the named processes. */
  start(names?: string[]): Promise<void>;
  /** Stops the named processes (all by default) with SIGTERM, or SIGKILL when `kill`. */
  stop(names?: string[], kill?: boolean): Promise<void>;
  hoard(args: string[], extraEnv?: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }>;
  /** `hoard-manage ARGS`, as the operator of this stack, with `input` on its standard input (how passwords reach it). */
  manage(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Stops everything and destroys every instance left behind. */
  cleanup(): Promise<void>;
}

export async function createStack(options: StackOptions = {}): Promise<Stack> {
  // Short: unix socket paths of instances under it must stay below 107 bytes.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "hoard-e2e-"));
  fs.chmodSync(home, 0o755); // the database servers' account must reach its instance directories
  const nats = await startNats(home);
  const gatewayPort = await freePort();
  const env: Record<string, string> = {
    HOARD_HOME: home,
    HOARD_NATS_URL: nats.url,
    HOARD_GATEWAY_ADDR: `127.0.0.1:${gatewayPort}`,
    HOARD_TASKMANAGER_ADDR: `127.0.0.1:${await freePort()}`,
    HOARD_URL: `http://127.0.0.1:${gatewayPort}`,
    HOARD_LOG_LEVEL: "debug",
    HOARD_TASK_POLL_MS: "200",
    HOARD_HEARTBEAT_EXPIRY_MS: "6000",
    // Test files run in parallel, each with its own stack: give each its own block of addresses.
    HOARD_LOOPBACK_BASE: `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.0`,
    ...options.env,
  };
  const mode = options.mode ?? "up";
  const names = mode === "up" ? ["up"] : ["conductor", "taskmanager", "gateway"];
  const processes = new Map<string, ChildProcess>();
  const url = env.HOARD_URL ?? "";

  async function start(which = names): Promise<void> {
    for (const name of which) {
      const args = name === "up" ? ["up"] : ["serve", name];
      const log = fs.openSync(path.join(home, `${name}.log`), "a");
      const child = spawn(process.execPath, [cliMain, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", log, log] });
      fs.closeSync(log);
      processes.set(name, child);
    }
    if (which.includes("up") || which.includes("gateway")) {
      await waitUntil(async () => {
        const res = await fetch(`${url}/grpc.health.v1.Health/Check`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        return res.ok ? true : undefined;
      }, "the gateway to answer", 90_000, 200);
    }
  }

  async function stop(which = [...processes.keys()], kill = false): Promise<void> {
    await Promise.all(which.map(async (name) => {
      const child = processes.get(name);
      processes.delete(name);
      if (child) await stopChild(child, kill ? "SIGKILL" : "SIGTERM");
    }));
  }

  try {
    await start();
  } catch (err) {
    await stop();
    await nats.stop();
    throw err;
  }
  const token = fs.readFileSync(path.join(home, "admin-token"), "utf8").trim();
  env.HOARD_TOKEN = token;

  return {
    home,
    url,
    token,
    env,
    processes,
    start,
    stop,
    hoard: (args, extraEnv = {}) => runCli(cliMain, args, { ...env, ...extraEnv }),
    manage: (args, input) => runCli(manageMain, args, env, input),

    async cleanup() {
      await stop();
      await destroyLeftovers(home);
      await nats.stop();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Kills every process still using the home (agents, database servers) and unmounts volumes. */
async function destroyLeftovers(home: string): Promise<void> {
  const instances = path.join(home, "instances");
  if (!fs.existsSync(instances)) return;
  const { createLocalProvider } = await import("../../services/taskmanager/compute/local/index.js");
  const { createLogger } = await import("../../services/platform/logger.js");
  const provider = createLocalProvider({ home, natsUrl: "nats://127.0.0.1:1", agentCommand: ["true"], addressMode: "loopback", logger: createLogger("test", "silent") });
  for (const id of await provider.list()) await provider.destroy(id, AbortSignal.timeout(60_000));
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => (clearTimeout(timer), resolve()));
    child.kill(signal);
  });
}

/** Runs psql as a user would; resolves with its exit code and output. */
/** Runs a compiled CLI entry point; a non-zero exit is a result, not an exception. */
async function runCli(main: string, args: string[], env: Record<string, string>, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const running = run(process.execPath, [main, ...args], { env: { ...process.env, ...env }, timeout: 300_000 });
    if (input !== undefined) running.child.stdin?.end(input);
    const { stdout, stderr } = await running;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

export async function psql(host: string, port: number, user: string, password: string, dbname: string, sql: string) {
  try {
    const { stdout, stderr } = await run("psql", ["-h", host, "-p", String(port), "-U", user, "-d", dbname, "-Atc", sql], {
      env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: "5" },
      timeout: 20_000,
    });
    return { code: 0, stdout: stdout.trim(), stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** Processes whose command line mentions `needle` (e.g. an instance id), for leak checks. */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const environ = fs.readFileSync(`/proc/${entry}/environ`, "utf8");
      if (cmdline.includes(needle) || environ.includes(needle)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** Log files under `home` (control plane, agents, database servers) that contain `secret`. */
export function logsContaining(home: string, secret: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.log(\.\d+)?$/.test(entry.name) && fs.readFileSync(full, "utf8").includes(secret)) found.push(full);
    }
  };
  walk(home);
  return found;
}
