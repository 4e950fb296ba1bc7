// Runs the engine's command-line tools with a clean environment, optional stdin, bounded output
// capture, a timeout and abort support, so callers only deal with "it worked" or a DatastoreEngineError.
import { spawn } from "node:child_process";
import { basename } from "node:path";
import type { Account } from "../common/account.js";
import { CHILD_ENV } from "../common/child-env.js";
import { DatastoreEngineError } from "../errors.js";

const MAX_CAPTURE = 256 * 1024;

/** How to run one command. */
export interface RunOptions {
  /** Account to switch to; undefined runs the command as the agent's own account. */
  account: Account | undefined;
  signal: AbortSignal;
  /** Written to the command's stdin, then closed: the way secrets and SQL reach a tool (never argv). */
  input?: string;
  /** Kills the command after this long and fails with a DatastoreEngineError. */
  timeoutMs?: number;
  /** How errors name the command; defaults to the file's base name. */
  label?: string;
}

/** Captured output of a command. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment every tool gets: nothing of the agent's own (no MYSQL_PWD, MYSQL_HOST or other
 * secrets), a UTF-8 locale, and no client history file.
 */
export const TOOL_ENV: Readonly<Record<string, string>> = Object.freeze({
  ...CHILD_ENV,
  PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
  MYSQL_HISTFILE: "/dev/null",
});

/**
 * Runs `file args` to completion and resolves with its exit code and output, whatever the code;
 * rejects only when it could not run, timed out (DatastoreEngineError) or was aborted (the signal's
 * reason). Arguments must never hold secrets: they are visible in `ps`.
 */
export function spawnCapture(file: string, args: string[], options: RunOptions): Promise<RunResult> {
  const { account, signal } = options;
  const label = options.label ?? basename(file);
  signal.throwIfAborted();
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: "/", // the server account may not reach the agent's cwd
      env: { ...TOOL_ENV },
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      ...(account ? { uid: account.uid, gid: account.gid } : {}),
    });
    let stdout = "";
    let stderr = "";
    let failure: unknown;
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout = (stdout + chunk).slice(-MAX_CAPTURE);
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-MAX_CAPTURE);
    });
    if (child.stdin) {
      child.stdin.on("error", () => {}); // EPIPE when the tool exits early; its exit status says why
      child.stdin.end(options.input, "utf8");
    }
    const kill = (reason: unknown): void => {
      failure ??= reason;
      child.kill("SIGKILL");
    };
    const onAbort = (): void => kill(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => kill(new DatastoreEngineError(`${label} timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    const done = (): void => {
      signal.removeEventListener("abort", onAbort);
      if (timer) clearTimeout(timer);
    };
    child.once("error", (err) => {
      done();
      reject(new DatastoreEngineError(`could not run ${label}: ${err.message}`, "", { cause: err }));
    });
    child.once("close", (code) => {
      done();
      if (failure !== undefined) reject(failure);
      else resolve({ code, stdout, stderr });
    });
  });
}

/** spawnCapture that also fails on a non-zero exit: message names the tool and status, detail holds the output tail. */
export async function runCommand(file: string, args: string[], options: RunOptions): Promise<RunResult> {
  const result = await spawnCapture(file, args, options);
  if (result.code === 0) return result;
  const label = options.label ?? basename(file);
  const status = result.code === null ? "killed by a signal" : `exit status ${result.code}`;
  throw new DatastoreEngineError(`${label} failed (${status})`, outputTail(result));
}

/** The last lines of a command's output, for DatastoreEngineError.detail. */
export function outputTail(result: Pick<RunResult, "stdout" | "stderr">, lines = 15): string {
  return `${result.stderr}\n${result.stdout}`.trim().split("\n").slice(-lines).join("\n");
}
