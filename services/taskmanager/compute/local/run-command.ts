// The one way this provider runs host commands (mkfs, mount, umount, truncate, losetup): argv only,
// never a shell string, always with a timeout, and a failure that says what ran and why it failed.

import { spawn } from "node:child_process";

const STDERR_TAIL_CHARS = 2000;
const OUTPUT_LIMIT_CHARS = 1_000_000;

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunCommandOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Exit codes that count as success besides 0 (e.g. `getent` answers 2 for "no such key"). */
  okExitCodes?: readonly number[];
}

/** A host command that could not start, timed out, or exited with an unexpected code. */
export class CommandError extends Error {
  override readonly name = "CommandError";
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderrTail: string,
    reason: string,
  ) {
    super(`command failed: ${argv.join(" ")} (${reason})${stderrTail ? `: ${stderrTail}` : ""}`);
  }
}

/** Runs argv[0] with argv[1..] and resolves with its output, or rejects with a CommandError. */
export function runCommand(argv: readonly string[], options: RunCommandOptions = {}): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new CommandError(argv, null, "", "empty argv"));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const ok = new Set([0, ...(options.okExitCodes ?? [])]);
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], signal: options.signal });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      if (stdout.length < OUTPUT_LIMIT_CHARS) stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-OUTPUT_LIMIT_CHARS);
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new CommandError(argv, null, tail(stderr), err.message));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new CommandError(argv, code, tail(stderr), `timed out after ${timeoutMs} ms`));
      else if (code === null) reject(new CommandError(argv, null, tail(stderr), `killed by ${signal ?? "signal"}`));
      else if (!ok.has(code)) reject(new CommandError(argv, code, tail(stderr), `exit code ${code}`));
      else resolve({ stdout, stderr, exitCode: code });
    });
  });
}

function tail(text: string): string {
  return text.trim().slice(-STDERR_TAIL_CHARS);
}
