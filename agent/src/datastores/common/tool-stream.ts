// Engine tools whose output or input is a byte stream: a backup tool's stdout handed on chunk by
// chunk (pg_basebackup, mariadb-backup, tar), an extractor's stdin fed from a stream (tar -x,
// mbstream -x). Both run as the server's account (or the agent's) with a clean environment, carry
// backpressure to the tool through the pipe, and only count as done once the tool exited 0.
import { spawn, type ChildProcess } from "node:child_process";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DatastoreBackupStreamError, DatastoreEngineError } from "../errors.js";
import type { Account } from "./account.js";
import { CHILD_ENV } from "./child-env.js";

const MAX_CAPTURE = 64 * 1024;

/** How to run one streaming tool. Arguments must never hold secrets: they are visible in `ps`. */
export interface StreamToolOptions {
  account: Account | undefined;
  signal: AbortSignal;
  /** How errors name the tool, e.g. "pg_basebackup". */
  label: string;
  /** Working directory; "/" by default (the server's account may not reach the agent's). */
  cwd?: string;
  /** Environment; CHILD_ENV by default. */
  env?: Readonly<Record<string, string>>;
}

/**
 * Runs the tool and yields its stdout as it comes, pulling only as fast as the consumer reads. The
 * iteration ends only after the tool exited 0, returning the tail of its stderr (tools report
 * there); a non-zero exit throws DatastoreEngineError with that tail, an abort the signal's
 * reason. Stopping the iteration early (a consumer that destroys the stream) kills the tool.
 */
export async function* toolOutput(file: string, args: string[], options: StreamToolOptions): AsyncGenerator<Buffer, string, undefined> {
  const tool = startTool(file, args, options, false);
  tool.exited.catch(() => {}); // awaited below; a spawn failure must not count as unhandled meanwhile
  let finished = false;
  try {
    for await (const chunk of tool.child.stdout as Readable) yield chunk as Buffer;
    const output = await tool.exited;
    finished = true;
    return output.stderr;
  } finally {
    if (!finished) {
      tool.child.kill("SIGKILL");
      await tool.exited.catch(() => {});
    }
  }
}

/**
 * Feeds `input` to the tool's stdin and resolves with its output once it exited 0. An input stream
 * that fails (a storage read, a decryption error, a truncated download) kills the tool and rejects
 * with DatastoreBackupStreamError caused by that failure; a tool that fails or quits early rejects
 * with DatastoreEngineError naming its exit status, its output in `detail`.
 */
export async function feedTool(file: string, args: string[], input: Readable, options: StreamToolOptions): Promise<{ stdout: string; stderr: string }> {
  const tool = startTool(file, args, options, true);
  tool.exited.catch(() => {}); // observed below, whichever way the feeding ends
  let inputFailure: { err: unknown } | undefined;
  const onInputError = (err: unknown): void => void (inputFailure ??= { err });
  input.once("error", onInputError);
  try {
    await pipeline(input, tool.child.stdin as NodeJS.WritableStream);
  } catch (err) {
    options.signal.throwIfAborted();
    if (inputFailure === undefined) {
      await tool.exited; // the tool stopped reading (EPIPE): its exit status says why
      throw new DatastoreEngineError(`${options.label} exited before it read all of its input`, "", { cause: err });
    }
    tool.child.kill("SIGKILL");
    await tool.exited.catch(() => {});
    options.signal.throwIfAborted();
    const cause = inputFailure.err;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DatastoreBackupStreamError(`the backup stream failed while ${options.label} read it: ${reason}`, "", { cause });
  } finally {
    input.removeListener("error", onInputError);
  }
  return tool.exited;
}

interface RunningTool {
  child: ChildProcess;
  /** Resolves with the captured output on exit status 0; rejects otherwise. */
  exited: Promise<{ stdout: string; stderr: string }>;
}

function startTool(file: string, args: string[], options: StreamToolOptions, feed: boolean): RunningTool {
  const { account, signal, label } = options;
  signal.throwIfAborted();
  const child = spawn(file, args, {
    cwd: options.cwd ?? "/",
    env: { ...(options.env ?? CHILD_ENV) },
    stdio: [feed ? "pipe" : "ignore", "pipe", "pipe"],
    ...(account ? { uid: account.uid, gid: account.gid } : {}),
  });
  let stdout = "";
  let stderr = "";
  if (feed) child.stdout?.setEncoding("utf8").on("data", (chunk: string) => void (stdout = (stdout + chunk).slice(-MAX_CAPTURE)));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => void (stderr = (stderr + chunk).slice(-MAX_CAPTURE)));
  child.stdin?.on("error", () => {}); // EPIPE when the tool exits early; its exit status says why
  const onAbort = (): void => void child.kill("SIGKILL");
  signal.addEventListener("abort", onAbort, { once: true });
  const exited = new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    child.once("error", (err) => {
      signal.removeEventListener("abort", onAbort);
      reject(new DatastoreEngineError(`could not run ${label}: ${err.message}`, "", { cause: err }));
    });
    child.once("close", (code, killedBy) => {
      signal.removeEventListener("abort", onAbort);
      if (signal.aborted) reject(signal.reason);
      else if (code === 0) resolve({ stdout, stderr });
      else {
        const status = code === null ? `killed by ${killedBy ?? "a signal"}` : `exit status ${code}`;
        const tail = `${stderr}\n${stdout}`.trim().split("\n").slice(-15).join("\n");
        reject(new DatastoreEngineError(`${label} failed (${status})`, tail));
      }
    });
  });
  return { child, exited };
}
