// How the CLI fails: every error becomes one line on stderr and an exit code. API errors keep their
// Connect code name (`not_found: ...`) so a user can tell a missing instance from a bad request.
import { Code, ConnectError } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";

/** Exit codes: 0 success, 1 the operation failed, 2 the command line was wrong. */
export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;

/** The command line is wrong (bad flag value, malformed --users); nothing was sent to the API. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The operation ran and failed in a way the user should read (ERROR status, wait timed out). */
export class CommandFailedError extends Error {
  override name = "CommandFailedError";
}

/** What the CLI knows about its connection, to make API errors actionable. */
export interface ErrorHints {
  url?: string;
  /** Where the token should come from when none was found. */
  missingTokenHint?: string;
}

/** Turns any thrown value into the one line to print and the exit code; never a stack trace. */
export function describeError(err: unknown, hints: ErrorHints = {}): { line: string; exitCode: number } {
  if (err instanceof UsageError) {
    return { line: `error: ${err.message}`, exitCode: ExitCode.usage };
  }
  if (err instanceof CommandFailedError) {
    return { line: `error: ${err.message}`, exitCode: ExitCode.failed };
  }
  if (err instanceof ConnectError) {
    let line = `error: ${codeToString(err.code)}: ${oneLine(err.rawMessage)}`;
    if (err.code === Code.Unavailable && hints.url !== undefined) {
      line += ` (is the Hoard gateway running at ${hints.url}? set HOARD_URL)`;
    }
    if (err.code === Code.Unauthenticated && hints.missingTokenHint !== undefined) {
      line += ` (${hints.missingTokenHint})`;
    }
    return { line, exitCode: ExitCode.failed };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { line: `error: ${oneLine(message)}`, exitCode: ExitCode.failed };
}

/** Collapses whitespace runs (including newlines) so an error stays on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
