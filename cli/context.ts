// What a command runs with: where it writes, its environment, and (made on first use) the API
// clients. Tests build one per run with captured streams and their own env and cwd.
import { resolve } from "node:path";
import { createClients, resolveConnection, type Connection, type HoardClients } from "./connection.js";

/** Streams and environment of one CLI run; `runHoard` takes this instead of touching `process`. */
export interface HoardIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  /** Defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Base of a relative HOARD_HOME; defaults to process.cwd(). */
  cwd?: string;
  /** How often --wait polls; 500 ms unless a test wants it faster. */
  pollIntervalMs?: number;
  /** How often `log tail --follow` asks for more; 1 s unless a test wants it faster. */
  followIntervalMs?: number;
  /** Where `--password-stdin` reads and a password prompt listens; defaults to process.stdin. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Calls `handler` on Ctrl-C until the returned function is called; defaults to SIGINT of this process. */
  onInterrupt?: (handler: () => void) => () => void;
}

/** Shared by every command of one run. */
export class CliContext {
  readonly pollIntervalMs: number;
  readonly followIntervalMs: number;
  private conn: Connection | undefined;
  private apiClients: HoardClients | undefined;

  constructor(private readonly io: HoardIo) {
    this.pollIntervalMs = io.pollIntervalMs ?? 500;
    this.followIntervalMs = io.followIntervalMs ?? 1000;
  }

  /** Listens for Ctrl-C (only commands that run until interrupted do); returns the way to stop listening. */
  onInterrupt(handler: () => void): () => void {
    if (this.io.onInterrupt !== undefined) return this.io.onInterrupt(handler);
    process.on("SIGINT", handler);
    return () => void process.off("SIGINT", handler);
  }

  /** Command output (tables, JSON). */
  out(text: string): void {
    this.io.stdout.write(text);
  }

  /** Progress and errors: one line each, on stderr so stdout stays parseable. */
  note(line: string): void {
    this.io.stderr.write(line + "\n");
  }

  /** The run's standard input (for passwords: piped, or typed at a prompt). */
  stdin(): NodeJS.ReadableStream & { isTTY?: boolean } {
    return this.io.stdin ?? process.stdin;
  }

  /** Writes a prompt on stderr (stdout stays parseable). */
  prompt(text: string): void {
    this.io.stderr.write(text);
  }

  /** A path from the command line, relative to the run's working directory. */
  path(file: string): string {
    return resolve(this.io.cwd ?? process.cwd(), file);
  }

  /** The connection, resolved on first use; undefined if no command got that far. */
  connectionIfResolved(): Connection | undefined {
    return this.conn;
  }

  clients(): HoardClients {
    if (this.apiClients === undefined) {
      this.conn = resolveConnection(this.io.env ?? process.env, this.io.cwd ?? process.cwd());
      this.apiClients = createClients(this.conn);
    }
    return this.apiClients;
  }
}
