// One TCP port for HTTP/1.1 and HTTP/2 cleartext (h2c with prior knowledge, as gRPC clients
// speak it): a net server reads the first bytes of each connection and hands the socket to an
// http2 server when they are the HTTP/2 preface ("PRI * HTTP/2.0"), else to an http server.
// It also tracks every connection so close() can drain them and, past a deadline, cut them.
import { once } from "node:events";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { Logger } from "pino";

type RequestListener = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;

export interface DualListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly listener: RequestListener;
  readonly logger: Logger;
  /** How long a new connection may stay silent before it is dropped; default 30 s. */
  readonly sniffTimeoutMs?: number;
  /** HTTP/1.1 timeouts (Node's defaults otherwise: headers 60 s, request 300 s, keep-alive 5 s). */
  readonly http1?: Http1Options;
}

/** The HTTP/1.1 server settings worth tuning. */
export type Http1Options = Pick<
  http.ServerOptions,
  "headersTimeout" | "requestTimeout" | "keepAliveTimeout" | "connectionsCheckingInterval" | "maxHeaderSize"
>;

/** A listening port with its connections. */
export interface DualListener {
  readonly address: { host: string; port: number };
  /**
   * Stops accepting, ends idle HTTP/1.1 connections, sends GOAWAY on HTTP/2 sessions and waits
   * up to drainMs for in-flight requests; then calls onDeadline (to abort handlers) and destroys
   * what is left. Resolves when every connection is closed.
   */
  close(drainMs: number, onDeadline: () => void): Promise<void>;
}

// "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"; four bytes are enough to tell: no HTTP/1 method is "PRI".
const prefacePrefix = Buffer.from("PRI ");

/** Starts listening; rejects when the port cannot be bound. */
export async function startDualListener(options: DualListenerOptions): Promise<DualListener> {
  const logger = options.logger;
  const sniffTimeoutMs = options.sniffTimeoutMs ?? 30_000;
  const h1 = http.createServer(options.http1 ?? {});
  const h2 = http2.createServer({});
  const sockets = new Set<net.Socket>();
  const h1Active = new Map<net.Socket, number>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const h2Sockets = new WeakSet<net.Socket>();
  let closing = false;

  h1.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    h1Active.set(socket, (h1Active.get(socket) ?? 0) + 1);
    if (closing) res.setHeader("connection", "close");
    res.once("close", () => {
      const n = (h1Active.get(socket) ?? 1) - 1;
      h1Active.set(socket, n);
      if (closing && n === 0) socket.end();
    });
  });
  // After the bookkeeping above, so "connection: close" is set before a handler can answer.
  h1.on("request", options.listener);
  h2.on("request", options.listener);
  h1.on("clientError", (err: NodeJS.ErrnoException, socket: net.Socket) => {
    logger.debug({ err: err.code ?? err.message }, "HTTP/1.1 client error");
    // As Node's default handler: 408 for a request too slow to arrive, 431 for huge headers, else 400.
    const status =
      err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "408 Request Timeout" : err.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
    if (err.code !== "ECONNRESET" && socket.writable && !socket.destroyed) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\n\r\n`);
    else socket.destroy();
  });
  h2.on("session", (session: http2.ServerHttp2Session) => {
    if (closing) {
      session.destroy();
      return;
    }
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    session.on("error", (err) => logger.debug({ err: err.message }, "HTTP/2 session error"));
  });

  const handOff = (socket: net.Socket, head: Buffer): void => {
    socket.unshift(head);
    const isH2 = head.subarray(0, prefacePrefix.length).equals(prefacePrefix);
    if (isH2) {
      h2Sockets.add(socket);
      h2.emit("connection", socket);
    } else {
      h1Active.set(socket, 0);
      h1.emit("connection", socket);
    }
  };

  const server = net.createServer((socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      h1Active.delete(socket);
    });
    socket.on("error", (err: NodeJS.ErrnoException) => logger.debug({ err: err.code ?? err.message }, "connection error"));
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), sniffTimeoutMs).unref();
    socket.once("close", () => clearTimeout(timer));
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) head = Buffer.concat([head, chunk]);
      const decided = head.length >= prefacePrefix.length || !prefacePrefix.subarray(0, head.length).equals(head);
      if (!decided) return;
      clearTimeout(timer);
      socket.off("readable", onReadable);
      socket.off("end", onEnd);
      handOff(socket, head);
    };
    const onEnd = (): void => {
      clearTimeout(timer);
      socket.destroy();
    };
    socket.on("readable", onReadable);
    socket.once("end", onEnd);
  });
  server.on("error", (err) => logger.error({ err }, "listener error"));

  server.listen(options.port, options.host);
  await Promise.race([
    once(server, "listening"),
    once(server, "error").then(([err]) => Promise.reject(err as Error)),
  ]);
  // The http server never listens itself; without this event it would not track connections,
  // and headersTimeout/requestTimeout (slow-client protection) would never be enforced.
  h1.emit("listening");
  const bound = server.address() as net.AddressInfo;
  const closed = new Promise<void>((resolve) => server.once("close", () => resolve()));

  return {
    address: { host: options.host, port: bound.port },
    async close(drainMs, onDeadline) {
      if (!closing) {
        closing = true;
        server.close();
        h1.close(() => undefined); // stops its connection-checking timer; "not running" is expected
        for (const session of sessions) session.close();
        for (const socket of sockets) {
          const active = h1Active.get(socket);
          // Idle keep-alive connections and ones not yet past the preface sniff: nothing in flight.
          if (active === 0 || (active === undefined && !h2Sockets.has(socket))) socket.destroy();
        }
      }
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<"deadline">((resolve) => (timer = setTimeout(() => resolve("deadline"), drainMs)));
      const outcome = await Promise.race([closed.then(() => "closed" as const), deadline]);
      clearTimeout(timer);
      if (outcome === "deadline") {
        logger.warn({ connections: sockets.size }, "drain deadline passed; aborting in-flight calls");
        onDeadline();
        // Give aborted handlers a moment to write their error, then cut what is left.
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 250).unref())]);
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }
      await closed;
    },
  };
}
