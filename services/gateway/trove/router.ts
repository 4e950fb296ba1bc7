// The Trove route table: "METHOD /instances/{id}/users/{user}" under /v1.0/{project_id}, first
// match wins (so "/instances/detail" is listed before "/instances/{id}"). Path parameters arrive
// percent-decoded, as troveclient quotes "name@host" user names and "." as "%2e".
import { badMethodFault, notFoundFault } from "./faults.js";
import type { HoardClients } from "./rpc-clients.js";
import type { Links } from "./links.js";

/** What a Trove route handler gets. */
export interface TroveRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The parsed JSON body; undefined when there was none. */
  readonly body: unknown;
  /** Hoard's RPCs, as the caller (token, path project). */
  readonly rpc: HoardClients;
  /** The project in the path, which every RPC checks is the token's. */
  readonly projectId: string;
  readonly links: Links;
  /** The caller's rate limit and what its bucket holds, once an RPC has authenticated it; undefined when there is none. */
  rateLimit(): TroveRateLimit | undefined;
}

/** A token's rate limit: `ratePerSecond` on average, `burst` at once, `tokens` requests left now. */
export interface TroveRateLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly tokens: number;
}

/** What a handler answers: a status and, unless it is a bodyless 202/204, a JSON body. */
export interface TroveResponse {
  readonly status: number;
  readonly body?: unknown;
}

export type TroveHandler = (req: TroveRequest) => Promise<TroveResponse>;

/** One route: an HTTP method and a path template relative to /v1.0/{project_id}. */
export interface TroveRoute {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly path: string;
  readonly handle: TroveHandler;
}

/** A route found for a request, with its decoded path parameters. */
export interface RouteMatch {
  readonly route: TroveRoute;
  readonly params: Record<string, string>;
}

/** Finds the route; a path served with other methods is 405 badMethod, an unknown one 404. */
export function matchRoute(routes: readonly TroveRoute[], method: string, segments: readonly string[]): RouteMatch {
  let pathKnown = false;
  for (const route of routes) {
    const params = matchPath(route.path, segments);
    if (!params) continue;
    if (route.method === method) return { route, params };
    pathKnown = true;
  }
  const path = `/${segments.join("/")}`;
  if (pathKnown) throw badMethodFault(`method ${method} is not allowed on ${path}`);
  throw notFoundFault(`no Trove route for ${method} ${path}`);
}

function matchPath(template: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = template.split("/").filter((p) => p !== "");
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i] ?? "";
    if (part.startsWith("{") && part.endsWith("}")) {
      if (segment === "") return undefined;
      params[part.slice(1, -1)] = segment;
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
}

/** The decoded, non-empty segments of a path ("/a/b%40c/" -> ["a", "b@c"]); undefined when malformed. */
export function pathSegments(pathname: string): string[] | undefined {
  try {
    return pathname.split("/").filter((s) => s !== "").map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}
