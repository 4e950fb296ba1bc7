// Runs PostgreSQL's command-line tools as the server's account, with a clean environment, bounded
// output capture and abort support, so callers only deal with "it worked" or a DatastoreEngineError.
import { spawn } from "node:child_process";
import { basename } from "node:path";
import type { Account } from "../common/account.js";
import { CHILD_ENV } from "../common/child-env.js";
import { DatastoreEngineError } from "../errors.js";

const MAX_CAPTURE = 64 * 1024;

/** How to run one command. */
export interface RunOptions {
  account: Account | undefined;
  signal: AbortSignal;
  /** Own session, so a signal sent to the agent's process group never reaches the command. */
  detached?: boolean;
  /** How errors name the command, e.g. "pg_ctl start"; defaults to the file's base name. */
  label?: string;
}

/** Captured output of a command that exited with status 0. */
export interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs `file args` to completion. Rejects with DatastoreEngineError on a non-zero exit (message names
 * the tool and status, detail holds the output tail) and with the signal's reason when aborted, after
 * killing the child. Arguments must never hold secrets: they are visible in `ps`.
 */
export function runCommand(file: string, args: string[], options: RunOptions): Promise<RunResult> {
  const { account, signal } = options;
  const label = options.label ?? basename(file);
  signal.throwIfAborted();
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: "/", // the tools resolve their own path from the cwd, which the server account may not reach
      env: { ...CHILD_ENV }, // no PG* variables; PATH serves the shell pg_ctl launches the postmaster with
      stdio: ["ignore", "pipe", "pipe"],
      detached: options.detached ?? false,
      ...(account ? { uid: account.uid, gid: account.gid } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout = (stdout + chunk).slice(-MAX_CAPTURE);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-MAX_CAPTURE);
    });
    const onAbort = (): void => {
      child.kill("SIGKILL");
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    child.once("error", (err) => {
      signal.removeEventListener("abort", onAbort);
      reject(new DatastoreEngineError(`could not run ${label}: ${err.message}`, "", { cause: err }));
    });
    child.once("close", (code, killedBy) => {
      signal.removeEventListener("abort", onAbort);
      if (code === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const status = code === null ? `killed by ${killedBy ?? "a signal"}` : `exit status ${code}`;
      const tail = `${stderr}\n${stdout}`.trim().split("\n").slice(-15).join("\n");
      reject(new DatastoreEngineError(`${label} failed (${status})`, tail));
    });
  });
}
