// The agent's own way into the server: the hoard-admin ACL user over the unix socket, with the
// password kept in a file only the agent's account can read. Maps what can go wrong on the way
// to the datastore error classes, and keeps every password out of every message.
import { readFile } from "node:fs/promises";
import { writeOwnedFile } from "../common/owned-file.js";
import { DatastoreEngineError, DatastorePreconditionError } from "../errors.js";
import { ADMIN_USER, redact } from "./acl.js";
import type { InstanceContext } from "./context.js";
import { RespConnectionError, RespError, connectResp, type RespConnection, type RespValue } from "./resp.js";

/** How long one administrative command may take (connect, AUTH, then each command). */
export const ADMIN_TIMEOUT_MS = 10_000;

/** The agent's password, or undefined before prepare wrote it. */
export async function readAdminPassword(ctx: InstanceContext): Promise<string | undefined> {
  return readFile(ctx.paths.adminSecret, "utf8").catch(() => undefined);
}

/** Stores the agent's password: 0600, owned by the agent's account, not the server's. */
export async function writeAdminPassword(ctx: InstanceContext, password: string): Promise<void> {
  await writeOwnedFile(ctx.paths.adminSecret, password, undefined, { mode: 0o600 });
}

/** Opens a connection on the unix socket authenticated as hoard-admin; errors are the raw RESP ones. */
export async function connectAdmin(ctx: InstanceContext, password: string, timeoutMs: number): Promise<RespConnection> {
  const conn = await connectResp({ path: ctx.paths.socketPath, connectTimeoutMs: timeoutMs, commandTimeoutMs: timeoutMs });
  try {
    await conn.command(["AUTH", ADMIN_USER, password]);
    return conn;
  } catch (err) {
    conn.close();
    throw err;
  }
}

/** What a PING as hoard-admin found. */
export type PingResult =
  | { ok: true }
  | { ok: false; reason: "unreachable" | "loading" | "auth" | "error"; message: string };

/** PING as hoard-admin with a short timeout; never throws. */
export async function pingAdmin(ctx: InstanceContext, password: string, timeoutMs: number): Promise<PingResult> {
  let conn: RespConnection | undefined;
  try {
    conn = await connectAdmin(ctx, password, timeoutMs);
    const reply = await conn.command(["PING"]);
    return reply === "PONG" ? { ok: true } : { ok: false, reason: "error", message: `PING answered ${JSON.stringify(reply)}` };
  } catch (err) {
    if (err instanceof RespError) {
      if (err.code === "LOADING") return { ok: false, reason: "loading", message: "loading the dataset into memory" };
      if (err.code === "WRONGPASS") return { ok: false, reason: "auth", message: `the agent cannot authenticate as ${ADMIN_USER}` };
      return { ok: false, reason: "error", message: redact(err.message, [password]) };
    }
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, reason: "unreachable", message };
  } finally {
    conn?.close();
  }
}

/** An authenticated administrative connection whose failures arrive as datastore errors. */
export interface AdminSession {
  /**
   * Sends a command. An error reply becomes DatastoreEngineError naming the command, with
   * `secrets` blanked from the server's message (ACL SETUSER echoes a rule it refuses).
   */
  call(args: readonly string[], options?: { secrets?: readonly string[] }): Promise<RespValue>;
}

/**
 * Runs `fn` with an administrative session, closing it afterwards. The connection opens on the
 * first command, so `fn` can check its arguments before anything reaches the server. A server
 * that is not running is a DatastorePreconditionError; aborting the signal closes the connection.
 * `password` overrides the stored one (prepare passes the spec's when the file is missing).
 */
export async function withAdminSession<T>(
  ctx: InstanceContext,
  signal: AbortSignal,
  fn: (session: AdminSession) => Promise<T>,
  options: { password?: string } = {},
): Promise<T> {
  signal.throwIfAborted();
  let opening: Promise<RespConnection> | undefined;
  let password: string | undefined = options.password;
  const open = async (): Promise<RespConnection> => {
    password ??= await readAdminPassword(ctx);
    if (password === undefined) throw new DatastorePreconditionError("redis is not prepared: the agent has no credentials for it");
    try {
      return await connectAdmin(ctx, password, ADMIN_TIMEOUT_MS);
    } catch (err) {
      throw sessionError(err, password);
    }
  };
  const onAbort = (): void => void opening?.then((conn) => conn.close(), () => {});
  signal.addEventListener("abort", onAbort, { once: true });
  const session: AdminSession = {
    async call(args, { secrets = [] } = {}) {
      opening ??= open();
      const conn = await opening;
      signal.throwIfAborted();
      try {
        return await conn.command(args);
      } catch (err) {
        signal.throwIfAborted();
        throw sessionError(err, password ?? "", commandLabel(args), secrets);
      }
    },
  };
  try {
    return await fn(session);
  } finally {
    signal.removeEventListener("abort", onAbort);
    void opening?.then((conn) => conn.close(), () => {});
  }
}

/** "ACL SETUSER", "CONFIG GET", "PING": the command and, for container commands, its subcommand. */
function commandLabel(args: readonly string[]): string {
  const name = (args[0] ?? "").toUpperCase();
  const sub = ["ACL", "CONFIG", "CLIENT", "COMMAND"].includes(name) ? ` ${(args[1] ?? "").toUpperCase()}` : "";
  return `${name}${sub}`;
}

function sessionError(err: unknown, password: string, label?: string, secrets: readonly string[] = []): Error {
  if (err instanceof DatastorePreconditionError || err instanceof DatastoreEngineError) return err;
  const hide = [password, ...secrets];
  if (err instanceof RespConnectionError) {
    if (label === undefined && (err.code === "ENOENT" || err.code === "ECONNREFUSED")) {
      return new DatastorePreconditionError("redis is not running");
    }
    return new DatastoreEngineError(`redis ${label ? `${label} ` : ""}failed: ${redact(err.message, hide)}`, "", { cause: err });
  }
  if (err instanceof RespError) {
    if (err.code === "LOADING") return new DatastorePreconditionError("redis is still loading its dataset; try again shortly");
    if (label === undefined && err.code === "WRONGPASS") {
      return new DatastoreEngineError(`the agent could not authenticate as ${ADMIN_USER}`);
    }
    return new DatastoreEngineError(`redis ${label ?? "AUTH"} failed: ${redact(err.message, hide)}`, err.code);
  }
  return err instanceof Error ? err : new Error(String(err));
}
