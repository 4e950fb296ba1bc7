// What this redis-server binary does with a parameter left unset, and which parameters it only
// reads at start. Redis has neither CONFIG DEFAULT nor a list of immutable parameters, so the
// agent asks the binary itself: a scratch redis-server (no TCP port, a unix socket in the run
// directory, nothing persisted) answers CONFIG GET *, and a CONFIG SET of each parameter to its
// own value tells which ones it refuses at run time. The answer is a property of the binary, so it
// is cached per binary (path, size, mtime) in the host-wide cache directory and in memory.
//
// Only parameters the instance's redis.conf does not set take their value from here; the scratch
// server's own settings (port, socket, dir, persistence) are all ones every redis.conf sets.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, realpath, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CHILD_ENV } from "../common/child-env.js";
import { ensureInstanceDirs } from "../common/host-fs.js";
import { replaceFileDurably } from "../common/owned-file.js";
import { DatastoreEngineError } from "../errors.js";
import type { InstanceContext } from "./context.js";
import { connectResp, RespError, type RespConnection } from "./resp.js";

/** What a redis-server binary says about its parameters. */
export interface ServerReference {
  /** Every parameter (aliases included) and its value when nothing sets it, as CONFIG GET prints it. */
  defaults: Readonly<Record<string, string>>;
  /** Parameters CONFIG SET refuses at run time (immutable, or protected as Hoard's redis.conf keeps them): read at start only. */
  restartOnly: readonly string[];
}

const READY_TIMEOUT_MS = 10_000;
const COMMAND_TIMEOUT_MS = 5_000;
const memo = new Map<string, Promise<ServerReference>>();
let probes = 0;

/** The reference of the instance's redis-server binary; spawns a scratch server the first time on this host. */
export async function serverReference(ctx: InstanceContext): Promise<ServerReference> {
  const binary = await realpath(ctx.paths.server);
  const info = await stat(binary);
  const key = createHash("sha256").update(`${binary}\0${info.size}\0${info.mtimeMs}`).digest("hex").slice(0, 16);
  let found = memo.get(key);
  if (!found) {
    found = loadOrProbe(ctx, join(ctx.layout.cacheDir, "redis", `reference-${key}.json`));
    memo.set(key, found);
    found.catch(() => memo.delete(key)); // a failed probe is tried again next time
  }
  return found;
}

async function loadOrProbe(ctx: InstanceContext, cacheFile: string): Promise<ServerReference> {
  const cached = await readFile(cacheFile, "utf8").then(parseReference, () => undefined);
  if (cached) return cached;
  const began = performance.now();
  const reference = await probeScratchServer(ctx);
  ctx.logger.info({ ms: Math.round(performance.now() - began), restartOnly: reference.restartOnly.length }, "redis parameter reference probed");
  try {
    await mkdir(join(cacheFile, ".."), { recursive: true, mode: 0o755 });
    await replaceFileDurably(cacheFile, `${JSON.stringify(reference)}\n`, undefined, 0o644);
  } catch (err) {
    ctx.logger.warn({ reason: err instanceof Error ? err.message : String(err), cacheFile }, "could not cache the redis parameter reference");
  }
  return reference;
}

function parseReference(text: string): ServerReference | undefined {
  try {
    const value = JSON.parse(text) as Partial<ServerReference>;
    if (typeof value.defaults !== "object" || value.defaults === null || !Array.isArray(value.restartOnly)) return undefined;
    return { defaults: value.defaults, restartOnly: value.restartOnly };
  } catch {
    return undefined;
  }
}

/** Starts the scratch server as the instance's account, asks it, and kills it whatever happens. */
async function probeScratchServer(ctx: InstanceContext): Promise<ServerReference> {
  // In the run directory (the server account's, 0700; it may be gone after a reboot). The name is
  // no longer than redis.sock's, whose path was checked against the socket path limit, and
  // differs between two probes running at once.
  probes = (probes + 1) % 100;
  const socket = join(ctx.paths.runDir, `r${probes}.sock`);
  await ensureInstanceDirs(ctx.paths, ctx.switchTo);
  await rm(socket, { force: true });
  const args = ["--port", "0", "--unixsocket", socket, "--unixsocketperm", "700", "--dir", ctx.paths.runDir];
  args.push("--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "", "--enable-protected-configs", "no");
  const child = spawn(ctx.paths.server, args, {
    cwd: "/",
    env: { ...CHILD_ENV },
    stdio: "ignore",
    ...(ctx.switchTo ? { uid: ctx.switchTo.uid, gid: ctx.switchTo.gid } : {}),
  });
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once("close", () => resolve()));
  child.once("error", () => (exited = true));
  child.once("exit", () => (exited = true));
  let conn: RespConnection | undefined;
  try {
    for (const deadline = Date.now() + READY_TIMEOUT_MS; !conn; ) {
      conn = await connectResp({ path: socket, connectTimeoutMs: 1_000, commandTimeoutMs: COMMAND_TIMEOUT_MS }).catch(() => undefined);
      if (conn) break;
      if (exited || Date.now() > deadline) throw new DatastoreEngineError(`a scratch ${ctx.paths.server} did not start to report its parameter defaults`);
      await sleep(5);
    }
    return await classify(conn);
  } finally {
    conn?.close();
    child.kill("SIGKILL");
    await gone;
    await rm(socket, { force: true });
  }
}

/** CONFIG GET * for the defaults; then CONFIG SET of each to its own value, which Redis refuses for what it only reads at start. */
async function classify(conn: RespConnection): Promise<ServerReference> {
  const reply = await conn.command(["CONFIG", "GET", "*"]);
  const defaults: Record<string, string> = {};
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) defaults[String(reply[i])] = String(reply[i + 1]);
  }
  const restartOnly: string[] = [];
  for (const [name, value] of Object.entries(defaults)) {
    try {
      await conn.command(["CONFIG", "SET", name, value]);
    } catch (err) {
      if (!(err instanceof RespError)) throw err;
      if (/can't set (immutable|protected) config/.test(err.message)) restartOnly.push(name);
    }
  }
  return { defaults, restartOnly: restartOnly.sort() };
}
