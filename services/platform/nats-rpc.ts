// Typed RPC over NATS request/reply. Rather than invent a wire format, NATS carries the Connect
// protocol: the client is connect-es's own Connect transport with NATS as its "HTTP client", and
// the server feeds NATS messages to connect-es router handlers. So the guest agent gets typed
// clients, deadlines, error codes and interceptors exactly as the public API has them.
import { Code, ConnectError, createConnectRouter, type ConnectRouter, type Interceptor, type Transport } from "@connectrpc/connect";
import { createTransport } from "@connectrpc/connect/protocol-connect";
import type { UniversalClientRequest, UniversalClientResponse } from "@connectrpc/connect/protocol";
import {
  headers as natsHeaders,
  NoRespondersError,
  TimeoutError,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from "@nats-io/transport-node";
import type { Logger } from "./logger.js";

/** NATS header carrying the HTTP status the Connect protocol expects. */
const statusHeader = "Hoard-Status";
const maxMessageBytes = 8 * 1024 * 1024;

export interface NatsTransportOptions {
  /** Subject of a method, e.g. (method) => agentSubject(id, method). */
  subjectOf: (method: string) => string;
  /** What the caller talks to, for error messages, e.g. `guest agent of instance <id>`. */
  peer: string;
  /** Deadline when the call sets none. */
  defaultTimeoutMs: number;
  interceptors?: Interceptor[];
}

/** A Connect transport whose requests travel as NATS requests. Use with createClient(). */
export function createNatsTransport(nc: NatsConnection, options: NatsTransportOptions): Transport {
  return createTransport({
    httpClient: (request) => natsRoundTrip(nc, options, request),
    baseUrl: "nats://rpc",
    useBinaryFormat: true,
    interceptors: options.interceptors ?? [],
    acceptCompression: [],
    sendCompression: null,
    compressMinBytes: Number.MAX_SAFE_INTEGER,
    readMaxBytes: maxMessageBytes,
    writeMaxBytes: maxMessageBytes,
    defaultTimeoutMs: options.defaultTimeoutMs,
  });
}

async function natsRoundTrip(
  nc: NatsConnection,
  options: NatsTransportOptions,
  request: UniversalClientRequest,
): Promise<UniversalClientResponse> {
  const method = new URL(request.url).pathname.split("/").pop() ?? "";
  const timeoutMs = Number(request.header.get("connect-timeout-ms") ?? options.defaultTimeoutMs);
  const hdrs = natsHeaders();
  request.header.forEach((value, key) => hdrs.set(key, value));
  const body = await collect(request.body);
  let reply: Msg;
  try {
    reply = await abortable(nc.request(options.subjectOf(method), body, { timeout: timeoutMs, headers: hdrs }), request.signal);
  } catch (err) {
    throw transportError(err, options.peer, method, timeoutMs);
  }
  return {
    status: Number(reply.headers?.get(statusHeader) ?? 200),
    header: toHeaders(reply.headers),
    body: once(reply.data),
    trailer: new Headers(),
  };
}

function transportError(err: unknown, peer: string, method: string, timeoutMs: number): ConnectError {
  if (err instanceof NoRespondersError || (err instanceof Error && err.cause instanceof NoRespondersError)) {
    return new ConnectError(`${peer} is not reachable (no agent answers ${method})`, Code.Unavailable);
  }
  if (err instanceof TimeoutError || (err instanceof Error && err.cause instanceof TimeoutError)) {
    return new ConnectError(`${peer} did not answer ${method} within ${timeoutMs} ms`, Code.DeadlineExceeded);
  }
  return ConnectError.from(err, Code.Unavailable);
}

export interface NatsServerOptions {
  /** Subject (usually a wildcard) whose last token is the method name. */
  subject: string;
  /** Queue group, when replicas share the work. */
  queue?: string;
  interceptors?: Interceptor[];
  logger: Logger;
}

/** Serves the routes registered by `routes` on a NATS subject; returns the subscription to drain. */
export function serveOverNats(
  nc: NatsConnection,
  routes: (router: ConnectRouter) => void,
  options: NatsServerOptions,
): Subscription {
  const router = createConnectRouter({ interceptors: options.interceptors ?? [], readMaxBytes: maxMessageBytes });
  routes(router);
  const handlers = new Map(router.handlers.map((h) => [h.method.name, h]));
  return nc.subscribe(options.subject, {
    queue: options.queue,
    callback: (err, msg) => {
      if (err) {
        options.logger.error({ err }, "nats subscription failed");
        return;
      }
      const method = msg.subject.split(".").pop() ?? "";
      const handler = handlers.get(method);
      if (!handler) {
        respond(msg, 404, new Headers(), new TextEncoder().encode(`{"code":"unimplemented","message":"no method ${method}"}`));
        return;
      }
      const abort = new AbortController();
      handler({
        httpVersion: "1.1",
        url: `nats://rpc${handler.requestPath}`,
        method: "POST",
        header: toHeaders(msg.headers),
        body: once(msg.data),
        signal: abort.signal,
      })
        .then(async (res) => respond(msg, res.status, res.header ?? new Headers(), await collect(res.body)))
        .catch((cause: unknown) => options.logger.error({ err: cause, method }, "nats rpc handler failed"));
    },
  });
}

function respond(msg: Msg, status: number, header: Headers, body: Uint8Array): void {
  const hdrs = natsHeaders();
  header.forEach((value, key) => hdrs.set(key, value));
  hdrs.set(statusHeader, String(status));
  msg.respond(body, { headers: hdrs });
}

function toHeaders(hdrs: MsgHdrs | undefined): Headers {
  const out = new Headers();
  if (!hdrs) return out;
  for (const [key, values] of hdrs) {
    for (const value of values) out.append(key, value);
  }
  return out;
}

async function collect(body: AsyncIterable<Uint8Array> | undefined): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    length += chunk.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

async function* once(data: Uint8Array): AsyncIterable<Uint8Array> {
  yield data;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
