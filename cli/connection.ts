// Where the gateway is and who we are: HOARD_URL, and a bearer token from HOARD_TOKEN or
// $HOARD_HOME/admin-token. Read lazily, so `--help` and usage errors never touch the filesystem.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { BackupService } from "../gen/proto/hoard/v1/backup_pb.js";
import { ConfigurationService } from "../gen/proto/hoard/v1/configuration_pb.js";
import { DatabaseService } from "../gen/proto/hoard/v1/database_pb.js";
import { DatastoreService } from "../gen/proto/hoard/v1/datastore_pb.js";
import { FlavorService } from "../gen/proto/hoard/v1/flavor_pb.js";
import { IdentityService } from "../gen/proto/hoard/v1/identity_pb.js";
import { InstanceService } from "../gen/proto/hoard/v1/instance_pb.js";
import { ManageService } from "../gen/proto/hoard/v1/manage_pb.js";
import { QuotaService } from "../gen/proto/hoard/v1/quota_pb.js";
import { RootService } from "../gen/proto/hoard/v1/root_pb.js";
import { UserService } from "../gen/proto/hoard/v1/user_pb.js";
import { UsageError } from "./errors.js";

/** The gateway's default address (DESIGN.md: one port, 127.0.0.1:8779). */
export const defaultUrl = "http://127.0.0.1:8779";

/** Deadline of every single RPC; long operations are waited for by polling, not by long calls. */
export const callTimeoutMs = 30_000;

/** Resolved connection settings. The token is kept out of anything that gets printed. */
export interface Connection {
  url: string;
  token: string | undefined;
  /** Where a token is looked for, for the hint printed on `unauthenticated`. */
  tokenFile: string;
}

/** Reads HOARD_URL, HOARD_TOKEN, HOARD_HOME (relative paths resolve against cwd). */
export function resolveConnection(env: Readonly<Record<string, string | undefined>>, cwd: string): Connection {
  const url = nonEmpty(env["HOARD_URL"]) ?? defaultUrl;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`HOARD_URL is not a URL: ${url}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UsageError(`HOARD_URL must be http:// or https://, got ${url}`);
  }
  const home = resolve(cwd, nonEmpty(env["HOARD_HOME"]) ?? ".hoard");
  const tokenFile = resolve(home, "admin-token");
  const token = nonEmpty(env["HOARD_TOKEN"]?.trim()) ?? readToken(tokenFile);
  return { url: url.replace(/\/+$/, ""), token, tokenFile };
}

function readToken(file: string): string | undefined {
  try {
    return nonEmpty(readFileSync(file, "utf8").trim());
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`cannot read token file ${file}: ${(err as Error).message}`);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** The typed clients of the public API, sharing one transport; `manage` answers admin tokens only. */
export interface HoardClients {
  instances: Client<typeof InstanceService>;
  databases: Client<typeof DatabaseService>;
  users: Client<typeof UserService>;
  root: Client<typeof RootService>;
  datastores: Client<typeof DatastoreService>;
  flavors: Client<typeof FlavorService>;
  configurations: Client<typeof ConfigurationService>;
  backups: Client<typeof BackupService>;
  manage: Client<typeof ManageService>;
  identity: Client<typeof IdentityService>;
  quotas: Client<typeof QuotaService>;
}

/** Connect protocol over HTTP/1.1, binary protobuf (unknown fields and enum values from a newer server survive). */
export function createClients(conn: Connection): HoardClients {
  const transport = createConnectTransport({
    baseUrl: conn.url,
    httpVersion: "1.1",
    useBinaryFormat: true,
    defaultTimeoutMs: callTimeoutMs,
    interceptors: conn.token === undefined ? [] : [bearer(conn.token)],
  });
  return {
    instances: createClient(InstanceService, transport),
    databases: createClient(DatabaseService, transport),
    users: createClient(UserService, transport),
    root: createClient(RootService, transport),
    datastores: createClient(DatastoreService, transport),
    flavors: createClient(FlavorService, transport),
    configurations: createClient(ConfigurationService, transport),
    backups: createClient(BackupService, transport),
    manage: createClient(ManageService, transport),
    identity: createClient(IdentityService, transport),
    quotas: createClient(QuotaService, transport),
  };
}

function bearer(token: string): Interceptor {
  return (next) => (req) => {
    req.header.set("Authorization", `Bearer ${token}`);
    return next(req);
  };
}
