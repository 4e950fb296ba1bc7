// A Keystone v3 compatible endpoint on the gateway's port, under /v3: version discovery and
// /v3/auth/tokens, enough for an unmodified `openstack` client (OS_AUTH_URL=<gateway>/v3) to log in
// with a password and find the Trove API in the catalog. "/" is left to the Trove surface.
import type { Logger } from "../../platform/logger.js";
import type { UserTokens } from "../identity/user-tokens.js";
import { publicBaseUrl } from "../public-url.js";
import { readBody, type NodeServerRequest } from "../rest/index.js";
import type { HttpMount } from "../server/index.js";
import type { TokenStore } from "../store/tokens.js";
import { createAuthTokenRoutes, type KeystoneReply } from "./auth-tokens.js";
import { catalogFor } from "./catalog.js";
import { versionDocument } from "./discovery.js";
import { errorBody, KeystoneError } from "./json.js";

export interface KeystoneOptions {
  userTokens: UserTokens;
  tokens: TokenStore;
  /** Base URL clients reach the gateway at (HOARD_PUBLIC_URL); from the Host header when unset. */
  publicUrl: string | undefined;
  /** Region name in the catalog (clients match it against OS_REGION_NAME). */
  region: string;
  logger: Logger;
}

const maxBodyBytes = 64 * 1024;

type Response = Parameters<HttpMount["handle"]>[1];

function header(req: NodeServerRequest, name: string): string | undefined {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) || undefined;
}

function send(res: Response, reply: KeystoneReply, head: boolean): void {
  const body = reply.body === undefined ? undefined : JSON.stringify(reply.body);
  const headers: Record<string, string> = { ...reply.headers, vary: "X-Auth-Token" };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(body));
  }
  res.writeHead(reply.status, headers);
  if (head || body === undefined) res.end();
  else res.end(body);
}

async function jsonBody(req: NodeServerRequest): Promise<unknown> {
  const raw = await readBody(req, maxBodyBytes);
  if (raw === "too-large") throw new KeystoneError(413, `Request body larger than ${maxBodyBytes} bytes.`);
  try {
    return JSON.parse(new TextDecoder().decode(raw)) as unknown;
  } catch {
    throw new KeystoneError(400, "The request body is not JSON.");
  }
}

/** The /v3 mount for the gateway server. */
export function createKeystoneMount(options: KeystoneOptions): HttpMount {
  const logger = options.logger.child({ component: "keystone" });
  const tokens = createAuthTokenRoutes({ userTokens: options.userTokens, tokens: options.tokens, logger });

  async function route(req: NodeServerRequest, base: string): Promise<KeystoneReply> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = (req.method ?? "GET").toUpperCase();
    const catalog = (projectId: string) => catalogFor(base, projectId, options.region);
    if (url.pathname === "/v3" || url.pathname === "/v3/") {
      if (method !== "GET" && method !== "HEAD") throw new KeystoneError(405, `${method} is not allowed on /v3.`);
      return { status: 200, body: versionDocument(`${base}/v3`) };
    }
    if (url.pathname === "/v3/auth/tokens") {
      const auth = header(req, "x-auth-token");
      const subject = header(req, "x-subject-token");
      const withCatalog = url.searchParams.has("nocatalog") ? undefined : catalog;
      switch (method) {
        case "POST":
          return tokens.issue(await jsonBody(req), withCatalog);
        case "GET":
        case "HEAD":
          return tokens.validate(auth, subject, withCatalog);
        case "DELETE":
          return tokens.revoke(auth, subject);
        default:
          throw new KeystoneError(405, `${method} is not allowed on /v3/auth/tokens.`);
      }
    }
    throw new KeystoneError(404, `Hoard's identity API has no ${url.pathname}; it offers /v3 and /v3/auth/tokens.`);
  }

  return {
    prefix: "/v3",
    handle(req, res) {
      const base = publicBaseUrl(req, options.publicUrl);
      const head = req.method?.toUpperCase() === "HEAD";
      route(req, base)
        .catch((err: unknown): KeystoneReply => {
          if (err instanceof KeystoneError) {
            const headers: Record<string, string> = err.status === 401 ? { "www-authenticate": `Keystone uri="${base}/v3"` } : {};
            // The rest of an oversized body is not read: an HTTP/1.1 connection cannot be reused.
            if (err.status === 413 && req.httpVersionMajor < 2) headers.connection = "close";
            return { status: err.status, headers, body: errorBody(err.status, err.message) };
          }
          logger.error({ err, path: req.url }, "keystone request failed");
          return { status: 500, body: errorBody(500, "An unexpected error prevented the server from fulfilling your request.") };
        })
        .then((reply) => send(res, reply, head))
        .catch((err: unknown) => logger.warn({ err }, "keystone reply not sent"));
    },
  };
}
