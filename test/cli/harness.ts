// How the CLI tests run a program: in-process against the fake gateway with captured streams, or as a
// real process through its bin/ launcher.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { HoardIo } from "../../cli/context.js";

/** What a user sees of one run. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  pollIntervalMs?: number;
}

/** Where a run points: the fake's URL, the token it sends and the directory it runs in. */
export interface Target {
  url: string;
  token: string;
  home: string;
}

/** runHoard or runHoardManage. */
export type CliProgram = (argv: readonly string[], io: HoardIo) => Promise<number>;

/** Runs `program args...` in-process; HOARD_URL and HOARD_TOKEN point at the target unless opts.env says otherwise. */
export async function runCli(program: CliProgram, target: Target, args: string[], opts: RunOptions = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await program(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { HOARD_URL: target.url, HOARD_TOKEN: target.token, ...opts.env },
    cwd: opts.cwd ?? target.home,
    pollIntervalMs: opts.pollIntervalMs ?? 20,
  });
  return { code, stdout, stderr };
}

/** Runs bin/<name>.js as a child process (through tsx in a checkout) and collects its output. */
export async function runBin(name: string, target: Target, args: string[]): Promise<Run> {
  const bin = fileURLToPath(new URL(`../../bin/${name}.js`, import.meta.url));
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, HOARD_URL: target.url, HOARD_TOKEN: target.token },
    cwd: target.home,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { code: code ?? -1, stdout, stderr };
}
