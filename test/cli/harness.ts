// How the CLI tests run a program: in-process against the fake gateway with captured streams, or as a
// real process through its bin/ launcher; either to its end, or started and interrupted later.
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

/** A run still going (`log tail --follow`): what it printed so far, Ctrl-C, and how it ended. */
export interface LiveRun {
  output(): Omit<Run, "code">;
  /** Resolves once the output satisfies `ok`; rejects after `timeoutMs`. */
  until(ok: (stdout: string) => boolean, timeoutMs?: number): Promise<void>;
  interrupt(): void;
  finished: Promise<Run>;
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
  return startCli(program, target, args, opts).finished;
}

/** Starts `program args...` in-process without waiting for it; Ctrl-C is interrupt(), not a real signal. */
export function startCli(program: CliProgram, target: Target, args: string[], opts: RunOptions = {}): LiveRun {
  let stdout = "";
  let stderr = "";
  const interruptHandlers = new Set<() => void>();
  const finished = program(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { HOARD_URL: target.url, HOARD_TOKEN: target.token, ...opts.env },
    cwd: opts.cwd ?? target.home,
    pollIntervalMs: opts.pollIntervalMs ?? 20,
    followIntervalMs: 20,
    onInterrupt: (handler) => {
      interruptHandlers.add(handler);
      return () => interruptHandlers.delete(handler);
    },
  }).then((code) => ({ code, stdout, stderr }));
  return {
    output: () => ({ stdout, stderr }),
    until: (ok, timeoutMs = 5000) => outputMatches(() => ({ stdout, stderr }), ok, timeoutMs),
    interrupt: () => interruptHandlers.forEach((handler) => handler()),
    finished,
  };
}

/** Runs bin/<name>.js as a child process (through tsx in a checkout) and collects its output. */
export async function runBin(name: string, target: Target, args: string[]): Promise<Run> {
  return startBin(name, target, args).finished;
}

/** Starts bin/<name>.js as a child process; interrupt() sends it a real SIGINT. */
export function startBin(name: string, target: Target, args: string[]): LiveRun {
  const bin = fileURLToPath(new URL(`../../bin/${name}.js`, import.meta.url));
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, HOARD_URL: target.url, HOARD_TOKEN: target.token },
    cwd: target.home,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  // "close", not "exit": the streams have been read to their end by then.
  const finished = new Promise<Run>((resolve) => child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr })));
  return {
    output: () => ({ stdout, stderr }),
    until: (ok, timeoutMs = 20_000) => outputMatches(() => ({ stdout, stderr }), ok, timeoutMs),
    interrupt: () => void child.kill("SIGINT"),
    finished,
  };
}

async function outputMatches(
  output: () => Omit<Run, "code">,
  ok: (stdout: string) => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok(output().stdout)) {
    if (Date.now() > deadline) throw new Error(`output never matched: ${JSON.stringify(output())}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
