// The gateway's transport: Connect (HTTP/1.1 and h2c), gRPC (h2c), gRPC-Web and REST/JSON on one
// port, all served by ONE connect router through connectNodeAdapter; REST is its fallback and
// calls the same router handlers, so every surface shares the same handlers and interceptors.
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type ConnectRouterOptions, type ContextValues, type Interceptor } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import type { HealthService } from "../health/index.js";
import { createRestTranscoder, type NodeHandlerFn, type NodeServerRequest, type RestRoute, type RestTranscoderOptions } from "../rest/index.js";
import { startDualListener, type Http1Options } from "./listener.js";

export interface GatewayServerOptions {
  /** Address to bind, e.g. "127.0.0.1". */
  readonly host: string;
  /** Port to bind; 0 picks a free one (see the returned address). */
  readonly port: number;
  /** Registers the RPC implementations (and health and reflection) on the router. */
  readonly routes: (router: ConnectRouter) => void;
  /** Public services: their google.api.http annotations become the REST routes. */
  readonly services: readonly DescService[];
  /** Interceptors of every call on every surface, outermost first. */
  readonly interceptors?: Interceptor[];
  readonly logger: Logger;
  /** Context values for each call (Connect, gRPC, gRPC-Web and REST alike). */
  readonly contextValues?: (req: NodeServerRequest) => ContextValues;
  /** When given, shut down on close(): all NOT_SERVING and Watch streams end at once. */
  readonly health?: HealthService;
  /** REST knobs: response JSON options, body size limit, registry for Any. */
  readonly rest?: Pick<RestTranscoderOptions, "jsonWriteOptions" | "maxBodyBytes" | "registry">;
  /** Other connect router options (limits, JSON options, compression). */
  readonly routerOptions?: Omit<ConnectRouterOptions, "interceptors" | "shutdownSignal">;
  /** HTTP/1.1 timeouts (slow-client protection); Node's defaults otherwise. */
  readonly http1?: Http1Options;
  /** How long close() lets in-flight calls finish before aborting them; default 10 s. */
  readonly drainTimeoutMs?: number;
  /**
   * Other HTTP APIs on the same port (the Keystone and Trove compatibility surfaces), tried before
   * REST. Each gets the router's handlers, so it can call the RPCs in process, through the same
   * interceptors as every other surface.
   */
  readonly mounts?: (resolveHandler: (requestPath: string) => UniversalHandler | undefined) => readonly HttpMount[];
}

/** An HTTP API served under a path prefix (or at one exact path), beside the RPC surfaces. */
export interface HttpMount {
  /** Path prefix, e.g. "/v1.0/" or "/v3"; a request whose path starts with it goes to handle. */
  readonly prefix: string;
  /**
   * Match the path (without its query) exactly instead of as a prefix: for documents such as
   * Trove's versions at "/", which as a prefix would swallow every REST route.
   */
  readonly exact?: boolean;
  readonly handle: NodeHandlerFn;
}

/** A running gateway server. */
export interface GatewayServer {
  readonly address: { host: string; port: number };
  /** The REST routes derived from the annotations, most specific first (for logs and docs). */
  readonly restRoutes: readonly RestRoute[];
  /**
   * Stops accepting, ends idle keep-alive connections and HTTP/2 sessions, lets in-flight calls
   * finish for up to drainTimeoutMs, then aborts them (UNAVAILABLE) and cuts the connections.
   * Idempotent.
   */
  close(): Promise<void>;
}

/** Starts the server; rejects when the port cannot be bound or an http annotation is unusable. */
export async function startGatewayServer(options: GatewayServerOptions): Promise<GatewayServer> {
  const logger = options.logger.child({ component: "gateway-server" });
  const shutdown = new AbortController();
  const handlers = new Map<string, UniversalHandler>();

  const rest = createRestTranscoder({
    ...options.rest,
    services: options.services,
    resolveHandler: (requestPath) => handlers.get(requestPath),
    logger,
    contextValues: options.contextValues,
  });
  const resolveHandler = (requestPath: string) => handlers.get(requestPath);
  const mounts = options.mounts?.(resolveHandler) ?? [];
  const fallback: NodeHandlerFn = (req, res) => {
    const path = req.url ?? "/";
    const pathname = path.split("?", 1)[0] ?? path;
    const mount = mounts.find((m) => (m.exact ? pathname === m.prefix : path.startsWith(m.prefix)));
    return (mount ?? rest).handle(req, res);
  };
  const adapter = connectNodeAdapter({
    ...options.routerOptions,
    interceptors: options.interceptors ?? [],
    shutdownSignal: shutdown.signal,
    contextValues: options.contextValues,
    fallback,
    routes(router) {
      options.routes(router);
      // The transcoder calls these same handlers (the adapter keeps its own map of them).
      for (const h of router.handlers) handlers.set(h.requestPath, h);
    },
  });

  const listener = await startDualListener({ host: options.host, port: options.port, listener: adapter, logger, http1: options.http1 });
  logger.debug({ address: listener.address, rpcs: handlers.size, restRoutes: rest.routes.length }, "gateway transport ready");

  let closing: Promise<void> | undefined;
  return {
    address: listener.address,
    restRoutes: rest.routes,
    close() {
      closing ??= (async () => {
        options.health?.shutdown();
        await listener.close(options.drainTimeoutMs ?? 10_000, () =>
          shutdown.abort(new ConnectError("server is shutting down", Code.Unavailable)),
        );
        shutdown.abort(new ConnectError("server is shutting down", Code.Unavailable));
      })();
      return closing;
    },
  };
}
