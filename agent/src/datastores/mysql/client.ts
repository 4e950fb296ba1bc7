// SQL over the unix socket through the engine's command-line client, as root@localhost. The SQL
// goes through stdin and the admin password (password mode) through a 0600 option file, so neither
// is ever in argv; the client prints no failing statement (--skip-print-query-on-error), and
// secrets are blanked out of whatever the server answers. Replaceable by a driver later (mysql2).
import { DatastoreEngineError } from "../errors.js";
import type { InstanceContext } from "./context.js";
import { outputTail, spawnCapture } from "./exec.js";

/** How one batch of SQL runs. */
export interface SqlOptions {
  signal: AbortSignal;
  /** Whole-run limit, connection included; the client is killed after it. Default 60 s. */
  timeoutMs?: number;
  /** Strings (passwords, hashes) to blank out of error messages. */
  secrets?: readonly string[];
}

/** Client error numbers that mean "no server to talk to" rather than "the statement failed". */
const CONNECTION_ERRORS = new Set([2002, 2003, 2006, 2013]);

/** A statement or connection failed; errno and sqlState are the server's (or the client's, 2xxx). */
export class SqlError extends DatastoreEngineError {
  readonly errno: number;
  readonly sqlState: string;

  constructor(message: string, errno: number, sqlState: string, detail: string) {
    super(message, detail);
    this.errno = errno;
    this.sqlState = sqlState;
  }

  /** True when the client could not reach the server at all. */
  get isConnectionError(): boolean {
    return CONNECTION_ERRORS.has(this.errno);
  }
}

/**
 * Runs `sql` (one or more statements, each ending with ';') and returns the rows of every result
 * set, in order, as arrays of strings (NULL reads as "NULL": select COALESCE where it matters).
 * Statements run one by one and the first failure stops the batch with an SqlError.
 */
export async function runSql(ctx: InstanceContext, sql: string, options: SqlOptions): Promise<string[][]> {
  const { client } = await ctx.binaries();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const connectTimeoutS = Math.max(1, Math.ceil(Math.min(timeoutMs, 30_000) / 1000));
  const input = `${ctx.flavor.quietSession}\n${sql}`;
  const result = await spawnCapture(client, [...connectionArgs(ctx), ...BATCH_ARGS, `--connect-timeout=${connectTimeoutS}`], {
    account: undefined, // unix_socket authentication identifies the agent's own OS user
    signal: options.signal,
    input,
    timeoutMs,
    label: `${ctx.flavor.displayName} client`,
  });
  if (result.code === 0) return parseRows(result.stdout);
  const redact = (s: string): string => redactSecrets(s, options.secrets ?? []);
  const parsed = parseClientError(result.stderr);
  if (!parsed) {
    throw new DatastoreEngineError(`${ctx.flavor.displayName} client failed (exit status ${result.code})`, redact(outputTail(result)));
  }
  throw new SqlError(redact(parsed.message), parsed.errno, parsed.sqlState, redact(outputTail(result)));
}

const BATCH_ARGS = ["--batch", "--skip-column-names", "--skip-print-query-on-error", "--default-character-set=utf8mb4", "--protocol=socket"];

/** Who the client logs in as: the option file comes first, as the client requires. */
function connectionArgs(ctx: InstanceContext): string[] {
  if (ctx.adminAuth === "password") return [`--defaults-file=${ctx.paths.adminOptionFile}`];
  return ["--no-defaults", `--socket=${ctx.paths.socketPath}`, "--user=root"];
}

/** The client option file of password mode: root over this instance's socket with `password`. */
export function renderAdminOptionFile(socketPath: string, password: string): string {
  const quote = (value: string): string => `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  return `# Written by the Hoard agent: how it logs in as root@localhost.\n[client]\nuser = root\npassword = ${quote(password)}\nsocket = ${quote(socketPath)}\n`;
}

/** Batch output: one row per line, tab-separated, with \t \n \\ \0 escaped inside values. */
export function parseRows(stdout: string): string[][] {
  if (stdout === "") return [];
  const lines = stdout.endsWith("\n") ? stdout.slice(0, -1).split("\n") : stdout.split("\n");
  return lines.map((line) => line.split("\t").map(unescapeValue));
}

function unescapeValue(value: string): string {
  return value.replace(/\\([tn0\\])/g, (_match, c: string) => (c === "t" ? "\t" : c === "n" ? "\n" : c === "0" ? "\0" : "\\"));
}

/** "ERROR 1396 (HY000) at line 3: Operation CREATE USER failed for ..." and the client's own "ERROR 2002 (HY000): ...". */
export function parseClientError(stderr: string): { errno: number; sqlState: string; message: string } | undefined {
  const match = /^ERROR (\d+) \(([0-9A-Z]{5})\)(?: at line \d+)?: (.*)$/m.exec(stderr);
  if (!match) return undefined;
  return { errno: Number(match[1]), sqlState: match[2] ?? "", message: match[3] ?? "" };
}

function redactSecrets(value: string, secrets: readonly string[]): string {
  let out = value;
  for (const secret of secrets) if (secret) out = out.replaceAll(secret, "[redacted]");
  return out;
}
