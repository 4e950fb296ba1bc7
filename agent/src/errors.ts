// What a failed datastore operation looks like outside the agent. Engines throw whatever their
// tools give them (an initdb exit, a psql error echoing a statement); before such a message reaches
// a caller, a heartbeat or the log, every password the agent knows of and every password-looking
// fragment is blanked, and it becomes a typed error the RPC layer maps to a Connect code.
import { Code } from "@connectrpc/connect";
import { DeadlineExceededError, HoardError, UnavailableError } from "../../services/platform/errors.js";

/** A datastore operation (prepare, start, ...) failed; the message is scrubbed and safe to show. */
export class DatastoreOperationError extends HoardError {
  constructor(
    readonly operation: string,
    readonly detail: string,
  ) {
    super(Code.Internal, `${operation} failed: ${detail}`);
  }
}

/** The agent is shutting down; the call may be repeated once it is back. */
export class AgentShuttingDownError extends UnavailableError {
  constructor() {
    super("the guest agent is shutting down; retry when it is back");
  }
}

/** Blanks secrets out of text: the ones registered, plus anything shaped like a password. */
export interface Scrubber {
  /** Remembers a secret (a user or admin password) for the life of the process. */
  add(secret: string): void;
  scrub(text: string): string;
}

const censor = "[redacted]";
const maxDetailChars = 400;

// SQL literals after PASSWORD, key=value pairs and URL credentials, as tools echo them.
const patterns: RegExp[] = [
  /(password\s+)'(?:[^']|'')*'/gi,
  /(password\s+)"(?:[^"]|"")*"/gi,
  /((?:pg)?password\s*[=:]\s*)[^\s,;&]+/gi,
  /(\/\/[^/\s:@]+:)[^@\s/]+(?=@)/g,
];

export function createScrubber(): Scrubber {
  const secrets = new Set<string>();
  return {
    add(secret) {
      if (secret !== "") secrets.add(secret);
    },
    scrub(text) {
      let out = text;
      // Longest first, so a password containing another is blanked whole.
      for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join(censor);
      for (const pattern of patterns) out = out.replace(pattern, `$1${censor}`);
      return out;
    },
  };
}

/**
 * Codes of the error classes engines throw (datastores/errors.ts), by class name, so errors that
 * crossed a module boundary (or a bundler) still map: a bad spec, a state that does not allow the
 * operation, a missing or duplicate database or user.
 */
const engineErrorCodes: ReadonlyMap<string, Code> = new Map([
  ["DatastoreSpecError", Code.InvalidArgument],
  ["DatastorePreconditionError", Code.FailedPrecondition],
  ["DatastoreNotFoundError", Code.NotFound],
  ["DatastoreConflictError", Code.AlreadyExists],
  // A backup that does not verify (or whose stream broke) is lost data, not a server fault.
  ["DatastoreBackupStreamError", Code.DataLoss],
]);

/**
 * Turns whatever an engine threw into an error safe to send: typed errors keep their code, known
 * engine errors get theirs, anything else is a DatastoreOperationError (INTERNAL) naming the operation.
 */
export function toOperationError(
  operation: string,
  err: unknown,
  scrubber: Scrubber,
  lifetime: AbortSignal,
  caller?: AbortSignal,
): HoardError {
  if (lifetime.aborted) return new AgentShuttingDownError();
  if (caller?.aborted) return new DeadlineExceededError(`${operation} did not finish within the caller's deadline`);
  const message = truncate(scrubber.scrub(err instanceof Error ? err.message : String(err)).trim() || "unknown error");
  if (err instanceof HoardError) return new HoardError(err.code, message);
  const code = err instanceof Error ? engineErrorCodes.get(err.name) : undefined;
  if (code !== undefined) return new HoardError(code, message);
  return new DatastoreOperationError(operation, message);
}

export interface ErrorDescription {
  type: string;
  message: string;
  /** Command output or server log tail some engine errors carry. */
  detail?: string;
  stack?: string;
  cause?: ErrorDescription;
}

/** A loggable description of an error with secrets blanked (pino's redaction sees keys, not text). */
export function describeError(err: unknown, scrubber: Scrubber, depth = 0): ErrorDescription {
  if (!(err instanceof Error)) return { type: typeof err, message: scrubber.scrub(String(err)) };
  const out: ErrorDescription = { type: err.name, message: scrubber.scrub(err.message) };
  const detail: unknown = (err as { detail?: unknown }).detail;
  if (typeof detail === "string" && detail !== "") out.detail = scrubber.scrub(detail);
  if (err.stack) out.stack = scrubber.scrub(err.stack);
  if (err.cause !== undefined && depth < 3) out.cause = describeError(err.cause, scrubber, depth + 1);
  return out;
}

function truncate(text: string): string {
  return text.length <= maxDetailChars ? text : `${text.slice(0, maxDetailChars - 1)}…`;
}
