// The REST/JSON transcoder: one generic handler for every method with a google.api.http
// annotation. It turns a REST request into a Connect unary request (binary protobuf body) and hands
// it to the SAME UniversalHandler the router serves Connect, gRPC and gRPC-Web with, so
// authentication, validation and error mapping (interceptors) run exactly as for any other call.
// The Connect response is turned back into REST: 200 with the JSON message, or the HTTP status of
// the Connect code with {"code", "message", "details"}.
import http2 from "node:http2";
import {
  createRegistry,
  fromBinary,
  toBinary,
  toJson,
  type DescFile,
  type DescService,
  type JsonValue,
  type JsonWriteOptions,
  type Message,
  type Registry,
} from "@bufbuild/protobuf";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import { file_google_rpc_error_details } from "../../../gen/proto/google/rpc/error_details_pb.js";
import { Code, createContextKey, createContextValues, type ContextValues } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";
import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import { codeName, httpStatusForCodeName, isCodeName } from "./http-status.js";
import { buildRequestMessage, RestRequestError } from "./request-message.js";
import { createRouteTable, type RestRoute } from "./routes.js";

/** The Node request handler type connect-node accepts as a fallback. */
export type NodeHandlerFn = NonNullable<ConnectNodeAdapterOptions["fallback"]>;
/** An HTTP/1.1 or HTTP/2 (compat API) server request. */
export type NodeServerRequest = Parameters<NodeHandlerFn>[0];

/** What an interceptor sees of the REST call behind an RPC; undefined for Connect/gRPC calls. */
export interface RestCallInfo {
  readonly httpMethod: string;
  readonly path: string;
  /** The matched template, e.g. "/v1/instances/{id}:restart". */
  readonly template: string;
}

/** Context key set on RPCs that arrived through REST (for logs and metrics). */
export const restCallKey = createContextKey<RestCallInfo | undefined>(undefined, { description: "REST call" });

export interface RestTranscoderOptions {
  /** Services whose annotated methods get REST routes. */
  readonly services: readonly DescService[];
  /** The router's handler for a request path such as "/hoard.v1.FlavorService/GetFlavor". */
  readonly resolveHandler: (requestPath: string) => UniversalHandler | undefined;
  readonly logger: Logger;
  /** Same hook as connectNodeAdapter's, so REST calls carry the same context values. */
  readonly contextValues?: (req: NodeServerRequest) => ContextValues;
  /** Types for google.protobuf.Any in requests, responses and error details; default: the services' files and google.rpc's error details. */
  readonly registry?: Registry;
  /** How responses are written; default protobuf JSON (lowerCamelCase names, defaults omitted). */
  readonly jsonWriteOptions?: Partial<Omit<JsonWriteOptions, "registry">>;
  /** Largest accepted request body; default 4 MiB. */
  readonly maxBodyBytes?: number;
}

/** The transcoder: a Node handler for connectNodeAdapter's fallback, and its route table. */
export interface RestTranscoder {
  readonly handle: NodeHandlerFn;
  readonly routes: readonly RestRoute[];
}

interface MinimalResponse {
  writeHead(status: number, headers: Record<string, string | string[]>): unknown;
  end(data?: string): unknown;
  addTrailers(headers: Record<string, string>): unknown;
  once(event: "close" | "finish", listener: () => void): unknown;
  readonly headersSent: boolean;
}

interface ErrorBody {
  code: string;
  message: string;
  details: JsonValue[];
}

const droppedRequestHeaders = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "http2-settings",
  "host",
  "content-type",
  "content-length",
  "content-encoding",
  "accept-encoding",
  "connect-protocol-version",
  "connect-content-encoding",
  "connect-accept-encoding",
]);

const droppedResponseHeaders = new Set(["content-type", "content-length", "content-encoding", "connect-protocol-version"]);

/** Creates the transcoder; throws at start-up when an annotation cannot be served. */
export function createRestTranscoder(options: RestTranscoderOptions): RestTranscoder {
  const logger = options.logger;
  const table = createRouteTable(options.services);
  for (const method of table.skipped) {
    logger.warn({ rpc: `${method.parent.typeName}/${method.name}` }, "streaming method has an http annotation; no REST route");
  }
  // google.rpc error details (RetryInfo, ...) ride on errors without any service naming them.
  const registry = options.registry ?? createRegistry(...transitiveFiles(options.services), file_google_rpc_error_details);
  const writeOptions = { ...options.jsonWriteOptions, registry };
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;

  async function handle(req: NodeServerRequest, res: MinimalResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const contentType = headerValue(req, "content-type");

    // An RPC client calling a method nobody serves: answer in its own protocol.
    if (/^application\/grpc/i.test(contentType)) {
      const status = {
        "grpc-status": String(Code.Unimplemented),
        "grpc-message": encodeURIComponent(`unknown method ${url.pathname}`),
      };
      if (req.httpVersionMajor >= 2) {
        // gRPC reads the status from trailers (a headers-only reply is not trailers-only in Node's compat API).
        res.writeHead(200, { "content-type": contentType });
        res.addTrailers(status);
      } else {
        res.writeHead(200, { "content-type": contentType, ...status }); // gRPC-Web: trailers-only
      }
      res.end();
      return;
    }
    if (headerValue(req, "connect-protocol-version") !== "") {
      return sendError(res, 404, { code: "unimplemented", message: `unknown procedure ${url.pathname}`, details: [] });
    }

    const httpMethod = (req.method ?? "GET").toUpperCase();
    const match = table.match(httpMethod, url.pathname);
    if (match.kind === "not-found") {
      return sendError(res, 404, { code: "not_found", message: `no route for ${httpMethod} ${url.pathname}`, details: [] });
    }
    if (match.kind === "method-not-allowed") {
      return sendError(
        res,
        405,
        { code: "unimplemented", message: `method ${httpMethod} not allowed on ${url.pathname}`, details: [] },
        { allow: match.allow.join(", ") },
      );
    }
    const { route, variables } = match;

    const raw = await readBody(req, maxBodyBytes);
    if (raw === "too-large") {
      return sendError(
        res,
        413,
        { code: "resource_exhausted", message: `request body larger than ${maxBodyBytes} bytes`, details: [] },
        // The rest of the body is not read: an HTTP/1.1 connection cannot be reused (HTTP/2 resets the stream).
        req.httpVersionMajor < 2 ? { connection: "close" } : {},
      );
    }
    let body: JsonValue | undefined;
    if (raw.byteLength > 0) {
      // The body is read as JSON whatever the content-type says (curl -d sends a form type);
      // only when it is not JSON does a non-JSON content-type become the complaint.
      try {
        body = JSON.parse(new TextDecoder().decode(raw)) as JsonValue;
      } catch (e) {
        if (contentType !== "" && !/^application\/([\w.-]+\+)?json\b/i.test(contentType)) {
          return sendError(res, 415, { code: "invalid_argument", message: `unsupported content-type "${contentType}": send JSON (application/json)`, details: [] });
        }
        return sendError(res, 400, { code: "invalid_argument", message: `malformed JSON body: ${errorMessage(e)}`, details: [] });
      }
    }

    let request: Message;
    try {
      request = buildRequestMessage(route, variables, url.searchParams, body, { registry });
    } catch (e) {
      if (!(e instanceof RestRequestError)) throw e;
      return sendError(res, 400, { code: "invalid_argument", message: e.message, details: [] });
    }

    const method = route.method;
    const requestPath = `/${method.parent.typeName}/${method.name}`;
    const handler = options.resolveHandler(requestPath);
    if (!handler) {
      return sendError(res, 501, { code: "unimplemented", message: `${requestPath} is not served`, details: [] });
    }

    const abort = new AbortController();
    res.once("close", () => abort.abort());
    const contextValues = options.contextValues?.(req) ?? createContextValues();
    contextValues.set(restCallKey, { httpMethod, path: url.pathname, template: route.template.source });
    const uRes = await handler({
      httpVersion: req.httpVersion,
      method: "POST",
      url: `http://${authority(req)}${requestPath}`,
      header: rpcRequestHeaders(req),
      body: oneChunk(toBinary(method.input, request)),
      signal: abort.signal,
      contextValues,
    });
    const responseBytes = await readAll(uRes.body);
    const headers = restResponseHeaders(uRes);

    if (uRes.status === 200) {
      const output = fromBinary(method.output, responseBytes);
      let json = toJson(method.output, output, writeOptions) as JsonValue;
      if (route.responseBody) json = pickField(json, route.responseBody.jsonName);
      return send(res, 200, headers, JSON.stringify(json));
    }
    const error = parseConnectError(responseBytes, registry);
    return sendError(res, httpStatusForCodeName(error.code), error, headers);
  }

  return {
    routes: table.routes,
    handle(req, res) {
      const r = res as unknown as MinimalResponse;
      if ("stream" in req) {
        // An HTTP/2 stream whose request body was left unread (404, 405, 413, ...) never closes
        // by itself and would hold its session, and a graceful close(), open: reset it with
        // NO_ERROR once the response is out, as RFC 9113 section 8.1 allows.
        r.once("finish", () => {
          if (!req.readableEnded && !req.stream.closed) req.stream.close(http2.constants.NGHTTP2_NO_ERROR);
        });
      }
      handle(req, r).catch((e: unknown) => {
        logger.error({ err: e, path: req.url }, "REST transcoding failed");
        if (!r.headersSent) sendError(r, 500, { code: "internal", message: "internal error", details: [] });
        else r.end();
      });
    },
  };
}

function headerValue(req: NodeServerRequest, name: string): string {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

function authority(req: NodeServerRequest): string {
  const a = "authority" in req ? req.authority : req.headers.host;
  return a !== undefined && a !== "" ? a : "localhost";
}

function rpcRequestHeaders(req: NodeServerRequest): Headers {
  const header = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(":") || droppedRequestHeaders.has(name) || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) header.append(name, v);
  }
  header.set("content-type", "application/proto");
  header.set("connect-protocol-version", "1");
  return header;
}

/** Response metadata of the RPC as plain headers; Connect's "trailer-" prefix is dropped. */
function restResponseHeaders(uRes: UniversalServerResponse): Record<string, string> {
  const out: Record<string, string> = {};
  uRes.header?.forEach((value, name) => {
    const key = name.startsWith("trailer-") ? name.slice("trailer-".length) : name;
    if (!droppedResponseHeaders.has(key)) out[key] = value;
  });
  return out;
}

function send(res: MinimalResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}

function sendError(res: MinimalResponse, status: number, error: ErrorBody, headers: Record<string, string> = {}): void {
  send(res, status, headers, JSON.stringify(error));
}

/** Connect's JSON error body, with details decoded to Any JSON where the type is known. */
function parseConnectError(bytes: Uint8Array, registry: Registry): ErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null) {
    return { code: codeName(Code.Internal), message: "internal error", details: [] };
  }
  const p = parsed as { code?: unknown; message?: unknown; details?: unknown };
  const code = typeof p.code === "string" && isCodeName(p.code) ? p.code : codeName(Code.Unknown);
  const message = typeof p.message === "string" ? p.message : "";
  const details = Array.isArray(p.details) ? p.details.map((d) => detailJson(d as JsonValue, registry)) : [];
  return { code, message, details };
}

function detailJson(detail: JsonValue, registry: Registry): JsonValue {
  if (typeof detail !== "object" || detail === null || Array.isArray(detail)) return detail;
  const { type, value } = detail;
  if (typeof type !== "string" || typeof value !== "string" || !registry.getMessage(type)) return detail;
  try {
    const any = { $typeName: "google.protobuf.Any", typeUrl: `type.googleapis.com/${type}`, value: base64Decode(value) } as const;
    return toJson(AnySchema, any, { registry });
  } catch {
    return detail;
  }
}

function pickField(json: JsonValue, jsonName: string): JsonValue {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
  return json[jsonName] ?? null;
}

/** Reads a request body up to `limit` bytes ("too-large" past it). Also used by the HTTP mounts. */
export async function readBody(req: NodeServerRequest, limit: number): Promise<Uint8Array | "too-large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) return "too-large";
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function readAll(body: AsyncIterable<Uint8Array> | undefined): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function* oneChunk(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Every file the services are declared in, with their imports, each once. */
export function transitiveFiles(services: readonly DescService[]): DescFile[] {
  const seen = new Map<string, DescFile>();
  const visit = (file: DescFile): void => {
    if (seen.has(file.proto.name)) return;
    seen.set(file.proto.name, file);
    file.dependencies.forEach(visit);
  };
  services.forEach((s) => visit(s.file));
  return [...seen.values()];
}
