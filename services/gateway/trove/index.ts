// The Trove v1.0 REST API (python-troveclient, `openstack database ...`) as a thin adapter over
// Hoard's public RPCs: each route turns Trove JSON into Hoard requests, calls the router's own
// handlers in process with the caller's X-Auth-Token as a bearer token (so authentication, access
// rules, the path project check and validation are those of every surface), and turns the answers
// and errors back into Trove JSON and fault bodies.
import { randomUUID } from "node:crypto";
import { createContextValues } from "@connectrpc/connect";
import type { Logger } from "pino";
import { pathProjectKey, principalKey } from "../context.js";
import type { TokenBuckets } from "../domain/token-buckets.js";
import type { NodeHandlerFn, NodeServerRequest } from "../rest/index.js";
import type { HttpMount } from "../server/index.js";
import { backupRoutes } from "./backups.js";
import { catalogueRoutes } from "./catalogue.js";
import { configurationRoutes } from "./configurations.js";
import { databaseRoutes } from "./databases.js";
import { badRequestFault, faultOf, notFoundFault, TroveFault } from "./faults.js";
import { instanceRoutes } from "./instances.js";
import { limitRoutes } from "./limits.js";
import { quotaRoutes } from "./quotas.js";
import { createLinks } from "./links.js";
import { rootRoutes } from "./root.js";
import { matchRoute, pathSegments, type TroveRoute } from "./router.js";
import { createHoardClients, type ResolveHandler } from "./rpc-clients.js";
import { userRoutes } from "./users.js";
import { versionDocument, versionsDocument } from "./versions.js";

/** Every Trove route, first match wins. */
export const troveRoutes: readonly TroveRoute[] = [
  ...instanceRoutes,
  ...databaseRoutes,
  ...userRoutes,
  ...rootRoutes,
  ...backupRoutes,
  ...configurationRoutes,
  ...catalogueRoutes,
  ...limitRoutes,
  ...quotaRoutes,
];

export interface TroveMountOptions {
  readonly logger: Logger;
  /** Largest accepted request body; default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** The per-token rate limit the RPCs enforce, for /limits; absent when there is none. */
  readonly rateLimit?: { readonly ratePerSecond: number; readonly burst: number; readonly buckets: TokenBuckets };
}

type Response = Parameters<NodeHandlerFn>[1];

/** The mounts: the versions document at "/" (exact) and the API under "/v1.0". */
export function createTroveMounts(resolve: ResolveHandler, options: TroveMountOptions): HttpMount[] {
  const logger = options.logger.child({ component: "trove" });
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;

  const handle: NodeHandlerFn = (req, res) => {
    // The client's id when it sent one (as Hoard's other surfaces take x-request-id), for the logs of every RPC it causes.
    const requestId = (header(req, "x-openstack-request-id") || header(req, "x-request-id")).slice(0, 64) || `req-${randomUUID()}`;
    serve(req, res, requestId).catch((err: unknown) => {
      const fault = faultOf(err);
      if (!fault) logger.error({ err, requestId, path: req.url }, "Trove request failed");
      const out = fault ?? { status: 500, body: { instanceFault: { code: 500, message: `internal error (request ${requestId})` } } };
      if (!res.headersSent) send(res, out.status, out.body, requestId, "headers" in out ? out.headers : undefined);
      else res.end();
    });
  };

  async function serve(req: NodeServerRequest, res: Response, requestId: string): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const root = rootUrl(req);
    const segments = pathSegments(url.pathname);
    if (!segments) throw badRequestFault(`malformed path ${url.pathname}`);
    const method = (req.method ?? "GET").toUpperCase();
    if (segments.length === 0 || (segments.length === 1 && segments[0] === "v1.0")) {
      if (method !== "GET") throw notFoundFault(`no Trove route for ${method} ${url.pathname}`);
      return send(res, 200, segments.length === 0 ? versionsDocument(root) : versionDocument(root), requestId);
    }
    // The body is read first, whatever follows: a request left half-read would hold its connection.
    const body = await readJson(req, maxBodyBytes);
    const [, projectId = "", ...rest] = segments;
    // Match before looking at the token: an unknown route is 404 whoever asks.
    const { route, params } = matchRoute(troveRoutes, method, rest);
    const token = header(req, "x-auth-token") || /^Bearer\s+(\S+)$/i.exec(header(req, "authorization"))?.[1] || "";
    if (token === "") throw new TroveFault({ name: "unauthorized", status: 401 }, "missing X-Auth-Token");
    const contextValues = createContextValues();
    contextValues.set(pathProjectKey, projectId);
    const rpc = createHoardClients(resolve, { token, requestId, contextValues });
    // The RPCs' authentication leaves the caller in these context values (they are the handlers' own).
    const rateLimit = () => {
      const principal = contextValues.get(principalKey);
      const limit = options.rateLimit;
      return limit && principal ? { ratePerSecond: limit.ratePerSecond, burst: limit.burst, tokens: limit.buckets.peek(principal.tokenId) } : undefined;
    };
    const out = await route.handle({ params, query: url.searchParams, body, rpc, projectId, links: createLinks(root, projectId), rateLimit });
    send(res, out.status, out.body, requestId);
  }

  return [
    { prefix: "/", exact: true, handle },
    { prefix: "/v1.0", exact: true, handle },
    { prefix: "/v1.0/", handle },
  ];
}

function header(req: NodeServerRequest, name: string): string {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

/** The root the client called, for links: its Host (or :authority) and scheme. */
function rootUrl(req: NodeServerRequest): string {
  const host = ("authority" in req && req.authority) || header(req, "host") || "localhost";
  const proto = header(req, "x-forwarded-proto") === "https" ? "https" : "http";
  return `${proto}://${host}`;
}

async function readJson(req: NodeServerRequest, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) throw new TroveFault({ name: "overLimit", status: 413 }, `request body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch (e) {
    throw badRequestFault(`malformed JSON body: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function send(res: Response, status: number, body: unknown, requestId: string, extraHeaders: Record<string, string> = {}): void {
  const r = res as unknown as { writeHead(s: number, h: Record<string, string>): void; end(d?: string): void };
  if (body === undefined) {
    r.writeHead(status, { "content-length": "0", "x-openstack-request-id": requestId });
    r.end();
    return;
  }
  const text = JSON.stringify(body);
  r.writeHead(status, { ...extraHeaders, "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), "x-openstack-request-id": requestId });
  r.end(text);
}
