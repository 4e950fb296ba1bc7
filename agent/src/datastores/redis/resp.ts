// A minimal RESP2 client over node:net: the agent only needs to send a handful of administrative
// commands (AUTH, PING, ACL, SHUTDOWN) over a unix socket, which does not justify a dependency.
// Commands are arrays of bulk strings; replies are parsed incrementally, pipelined in order.
// Messages never include command arguments, which may hold passwords.
import net from "node:net";

/** A parsed reply. Simple and bulk strings are UTF-8 strings; nil bulk strings and arrays are null. */
export type RespValue = string | number | null | RespError | RespValue[];

/** The server answered with an error reply (-ERR ..., -WRONGPASS ..., -NOAUTH ..., -LOADING ...). */
export class RespError extends Error {
  override readonly name = "RespError";
  /** First word of the reply, e.g. "ERR", "WRONGPASS", "NOAUTH", "NOPERM", "LOADING". */
  readonly code: string;

  constructor(message: string) {
    super(message);
    this.code = /^[A-Z]+/.exec(message)?.[0] ?? "ERR";
  }
}

/** The connection could not be made, timed out, broke, or the server spoke something else than RESP. */
export class RespConnectionError extends Error {
  override readonly name = "RespConnectionError";
  /** The errno code of the socket (ENOENT, ECONNREFUSED, ...), or ETIMEDOUT, ECLOSED, EPROTO. */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Where to connect (a unix socket `path`, or `host` and `port`) and how long to wait. */
export interface RespConnectOptions {
  path?: string;
  host?: string;
  port?: number;
  /** Default 2 s. */
  connectTimeoutMs?: number;
  /** Default timeout of each command, from write to reply; default 10 s. */
  commandTimeoutMs?: number;
}

const CRLF = Buffer.from("\r\n");

/** Encodes a command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(arg, "utf8");
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

/**
 * Parses the reply starting at `offset`: its value and the offset after it, or undefined when the
 * buffer does not hold all of it yet. Throws RespConnectionError (EPROTO) on anything not RESP2.
 */
export function parseReply(buffer: Buffer, offset = 0): { value: RespValue; next: number } | undefined {
  const lineEnd = buffer.indexOf(CRLF, offset);
  if (lineEnd < 0) return undefined;
  const line = buffer.toString("utf8", offset + 1, lineEnd);
  const after = lineEnd + 2;
  switch (buffer[offset]) {
    case 0x2b: // '+' simple string
      return { value: line, next: after };
    case 0x2d: // '-' error
      return { value: new RespError(line), next: after };
    case 0x3a: // ':' integer
      return { value: toInteger(line), next: after };
    case 0x24: {
      // '$' bulk string
      const length = toInteger(line);
      if (length < 0) return { value: null, next: after };
      if (buffer.length < after + length + 2) return undefined;
      if (buffer[after + length] !== 0x0d || buffer[after + length + 1] !== 0x0a) throw protocolError("bulk string not followed by CRLF");
      return { value: buffer.toString("utf8", after, after + length), next: after + length + 2 };
    }
    case 0x2a: {
      // '*' array
      const count = toInteger(line);
      if (count < 0) return { value: null, next: after };
      const items: RespValue[] = [];
      let next = after;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, next);
        if (!item) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw protocolError(`unexpected reply type byte 0x${(buffer[offset] ?? 0).toString(16)}`);
  }
}

function toInteger(text: string): number {
  if (!/^-?\d+$/.test(text)) throw protocolError("malformed integer");
  return Number(text);
}

function protocolError(what: string): RespConnectionError {
  return new RespConnectionError("EPROTO", `redis protocol error: ${what}`);
}

interface Pending {
  resolve: (value: RespValue) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** One connection. Commands may be pipelined; replies resolve in order. */
export class RespConnection {
  readonly #socket: net.Socket;
  readonly #commandTimeoutMs: number;
  readonly #pending: Pending[] = [];
  #buffer: Buffer = Buffer.alloc(0);
  #failure: RespConnectionError | undefined;

  constructor(socket: net.Socket, commandTimeoutMs: number) {
    this.#socket = socket;
    this.#commandTimeoutMs = commandTimeoutMs;
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("error", (err: NodeJS.ErrnoException) =>
      this.#fail(new RespConnectionError(err.code ?? "ECONNRESET", `redis connection failed: ${err.message}`, { cause: err })),
    );
    socket.on("close", () => this.#fail(new RespConnectionError("ECLOSED", "redis closed the connection")));
  }

  /**
   * Sends `args` and resolves with the reply; an error reply rejects with RespError. A timeout or a
   * broken connection rejects this and every other pending command and closes the connection,
   * since later replies could no longer be matched to their commands.
   */
  command(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<RespValue> {
    if (this.#failure) return Promise.reject(this.#failure);
    const timeoutMs = options.timeoutMs ?? this.#commandTimeoutMs;
    const name = (args[0] ?? "").toUpperCase();
    return new Promise<RespValue>((resolve, reject) => {
      const timer = setTimeout(
        () => this.#fail(new RespConnectionError("ETIMEDOUT", `redis command ${name} got no reply within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#pending.push({ resolve, reject, timer });
      this.#socket.write(encodeCommand(args));
    });
  }

  /** Closes the connection; pending commands reject with ECLOSED. */
  close(): void {
    this.#fail(new RespConnectionError("ECLOSED", "redis connection closed by the client"));
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    let offset = 0;
    try {
      for (let parsed = parseReply(this.#buffer, offset); parsed; parsed = parseReply(this.#buffer, offset)) {
        offset = parsed.next;
        const waiting = this.#pending.shift();
        if (!waiting) throw protocolError("reply without a command");
        clearTimeout(waiting.timer);
        if (parsed.value instanceof RespError) waiting.reject(parsed.value);
        else waiting.resolve(parsed.value);
        if (offset >= this.#buffer.length) break;
      }
    } catch (err) {
      this.#fail(err instanceof RespConnectionError ? err : protocolError(String(err)));
      return;
    }
    this.#buffer = this.#buffer.subarray(offset);
  }

  #fail(err: RespConnectionError): void {
    if (this.#failure) return;
    this.#failure = err;
    this.#socket.destroy();
    for (const waiting of this.#pending.splice(0)) {
      clearTimeout(waiting.timer);
      waiting.reject(err);
    }
  }
}

/** Opens a connection; rejects with RespConnectionError carrying the socket's errno code or ETIMEDOUT. */
export function connectResp(options: RespConnectOptions): Promise<RespConnection> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
  const where = options.path ?? `${options.host ?? "localhost"}:${options.port ?? 6379}`;
  return new Promise<RespConnection>((resolve, reject) => {
    const socket = options.path
      ? net.createConnection({ path: options.path })
      : net.createConnection({ host: options.host ?? "localhost", port: options.port ?? 6379 });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new RespConnectionError("ETIMEDOUT", `connecting to redis at ${where} timed out after ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    const onError = (err: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new RespConnectionError(err.code ?? "ECONNREFUSED", `cannot connect to redis at ${where}: ${err.code ?? err.message}`, { cause: err }));
    };
    socket.once("error", onError);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeListener("error", onError);
      socket.setNoDelay(true);
      resolve(new RespConnection(socket, options.commandTimeoutMs ?? 10_000));
    });
  });
}
