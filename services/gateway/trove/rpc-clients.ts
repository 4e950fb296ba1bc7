// Typed clients of Hoard's public services that call the gateway's own router handlers in
// process: a Trove request becomes ordinary RPCs, so authentication, access rules, the path
// project check and validation run as for any Connect, gRPC or REST call.
import { createClient, type Client, type ContextValues, Code, ConnectError } from "@connectrpc/connect";
import type { UniversalClientFn, UniversalHandler } from "@connectrpc/connect/protocol";
import { createAsyncIterable } from "@connectrpc/connect/protocol";
import { createTransport } from "@connectrpc/connect/protocol-connect";
import { BackupService } from "../../../gen/proto/hoard/v1/backup_pb.js";
import { ConfigurationService } from "../../../gen/proto/hoard/v1/configuration_pb.js";
import { DatabaseService } from "../../../gen/proto/hoard/v1/database_pb.js";
import { DatastoreService } from "../../../gen/proto/hoard/v1/datastore_pb.js";
import { FlavorService } from "../../../gen/proto/hoard/v1/flavor_pb.js";
import { InstanceService } from "../../../gen/proto/hoard/v1/instance_pb.js";
import { ManageService } from "../../../gen/proto/hoard/v1/manage_pb.js";
import { QuotaService } from "../../../gen/proto/hoard/v1/quota_pb.js";
import { RootService } from "../../../gen/proto/hoard/v1/root_pb.js";
import { UserService } from "../../../gen/proto/hoard/v1/user_pb.js";

/** The router's handler for a request path such as "/hoard.v1.InstanceService/CreateInstance". */
export type ResolveHandler = (requestPath: string) => UniversalHandler | undefined;

/** One client per public service, all carrying one caller's token and context values. */
export interface HoardClients {
  instances: Client<typeof InstanceService>;
  configurations: Client<typeof ConfigurationService>;
  backups: Client<typeof BackupService>;
  databases: Client<typeof DatabaseService>;
  users: Client<typeof UserService>;
  root: Client<typeof RootService>;
  datastores: Client<typeof DatastoreService>;
  flavors: Client<typeof FlavorService>;
  manage: Client<typeof ManageService>;
  quotas: Client<typeof QuotaService>;
}

/**
 * Clients for one request: every call carries `authorization: Bearer <token>` (and the request id,
 * when the client sent one) and the given context values.
 */
export function createHoardClients(resolve: ResolveHandler, call: { token: string; requestId?: string; contextValues: ContextValues }): HoardClients {
  const transport = createTransport({
    httpClient: inProcessClient(resolve, call.contextValues),
    baseUrl: "http://in-process",
    useBinaryFormat: true,
    interceptors: [
      (next) => (req) => {
        req.header.set("authorization", `Bearer ${call.token}`);
        if (call.requestId) req.header.set("x-request-id", call.requestId);
        return next(req);
      },
    ],
    acceptCompression: [],
    sendCompression: null,
    compressMinBytes: Number.MAX_SAFE_INTEGER,
    readMaxBytes: Number.MAX_SAFE_INTEGER,
    writeMaxBytes: Number.MAX_SAFE_INTEGER,
    defaultTimeoutMs: undefined,
  });
  const client = <S extends Parameters<typeof createClient>[0]>(service: S) => createClient(service, transport);
  return {
    instances: client(InstanceService),
    configurations: client(ConfigurationService),
    backups: client(BackupService),
    databases: client(DatabaseService),
    users: client(UserService),
    root: client(RootService),
    datastores: client(DatastoreService),
    flavors: client(FlavorService),
    manage: client(ManageService),
    quotas: client(QuotaService),
  };
}

/**
 * connect's createUniversalHandlerClient, except that handlers are looked up when called (the
 * router fills its table after the mounts are made) and the server side gets our context values.
 */
function inProcessClient(resolve: ResolveHandler, contextValues: ContextValues): UniversalClientFn {
  return async (req) => {
    const path = new URL(req.url).pathname;
    const handler = resolve(path);
    if (!handler) throw new ConnectError(`${path} is not served`, Code.Unimplemented);
    const res = await handler({
      httpVersion: "2.0",
      method: req.method,
      url: req.url,
      header: req.header,
      body: req.body ?? createAsyncIterable([]),
      signal: req.signal ?? new AbortController().signal,
      contextValues,
    });
    return {
      status: res.status,
      header: new Headers(res.header),
      body: res.body ?? createAsyncIterable([]),
      trailer: new Headers(res.trailer),
    };
  };
}
