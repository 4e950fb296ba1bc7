// The redis.conf Hoard derives from a flavor (RAM, vCPUs) and an instance layout. Pure, so the
// sizing and persistence rules can be table-tested and reviewed without a server.
import { DatastoreSpecError } from "../errors.js";
import type { InstanceLayout, PrepareSpec } from "../manager.js";
import { AOF_DIRNAME, AOF_FILENAME, RDB_FILENAME, type RedisPaths } from "./paths.js";

/** Below this a Redis with AOF rewrites and RDB forks has no room left for data. */
export const MIN_RAM_MB = 64;

/** Share of the flavor's RAM given to the dataset; see deriveMemorySettings. */
export const MAXMEMORY_SHARE = 0.75;

/** First line of every redis.conf the agent writes; tells an interrupted prepare from a foreign file. */
export const CONFIG_HEADER = "# Written by the Hoard agent on every prepare and configure; edits here are lost.";

/** Ordered name → arguments, rendered one directive a line into redis.conf. */
export type Settings = ReadonlyArray<readonly [name: string, ...args: Array<string | number>]>;

/**
 * maxmemory is 75% of the flavor's RAM, with `noeviction`: Redis is a database here, so a full
 * instance refuses writes (OOM error) rather than silently dropping keys. The quarter left over is
 * for what maxmemory does not count: the process itself, client and AOF buffers, fragmentation,
 * and above all the copy-on-write pages of the child forked for every RDB save and AOF rewrite
 * (ElastiCache reserves the same 25% by default). io-threads only pay off from 4 cores, keeping
 * two for the main thread and the rest of the system (Redis's own advice: 4 cores → 2, 8 → 6).
 */
export function deriveMemorySettings(ramMb: number, vcpus: number): Settings {
  if (!Number.isInteger(ramMb) || ramMb < MIN_RAM_MB) {
    throw new DatastoreSpecError(`ramMb must be an integer of at least ${MIN_RAM_MB}, got ${ramMb}`);
  }
  if (!Number.isInteger(vcpus) || vcpus < 1) throw new DatastoreSpecError(`vcpus must be a positive integer, got ${vcpus}`);
  const settings: Array<readonly [string, ...Array<string | number>]> = [
    ["maxmemory", `${Math.floor(ramMb * MAXMEMORY_SHARE)}mb`],
    ["maxmemory-policy", "noeviction"],
  ];
  if (vcpus >= 4) settings.push(["io-threads", Math.min(vcpus - 2, 6)]);
  return settings;
}

/**
 * Where the server listens. TCP on the layout's address for clients; the unix socket, in the 0700
 * run directory and itself 0700, for the agent. protected-mode only matters for a server without
 * `bind` and with a passwordless default user, neither of which ours has; kept on as a second lock.
 */
export function deriveNetworkSettings(layout: InstanceLayout, paths: RedisPaths): Settings {
  return [
    ["bind", layout.host],
    ["port", layout.port],
    ["protected-mode", "yes"],
    ["unixsocket", paths.socketPath],
    ["unixsocketperm", 700],
    ["tcp-keepalive", 300],
    ["timeout", 0],
  ];
}

/**
 * The process runs in the foreground of its own session (the agent spawns it detached), writes
 * its pid file into the run directory and logs to a file that Redis reopens for every line, so
 * an external logrotate can move it away without a signal.
 */
export function deriveProcessSettings(paths: RedisPaths): Settings {
  return [
    ["daemonize", "no"],
    ["supervised", "no"],
    ["pidfile", paths.pidFile],
    ["logfile", paths.logFile],
    ["loglevel", "notice"],
    ["always-show-logo", "no"],
    ["set-proc-title", "yes"],
    ["shutdown-on-sigterm", "default"],
    ["shutdown-timeout", 10],
  ];
}

/**
 * Users come from the ACL file (the default user included, so it is never the built-in
 * passwordless one). Settings that would let a client write files where it likes (dir,
 * dbfilename), load code (MODULE) or poke at memory (DEBUG) cannot be changed at run time by
 * anyone, the agent included. RESTORE payloads from clients are checked deeply before use.
 */
export function deriveSecuritySettings(paths: RedisPaths): Settings {
  return [
    ["aclfile", paths.aclFile],
    ["acllog-max-len", 128],
    ["acl-pubsub-default", "resetchannels"],
    ["enable-protected-configs", "no"],
    ["enable-debug-command", "no"],
    ["enable-module-command", "no"],
    ["sanitize-dump-payload", "clients"],
  ];
}

/**
 * Persistence. The AOF, fsynced every second, is what a restart loads: at most about a second
 * of acknowledged writes is lost when the host dies, and nothing when only the process dies.
 * Its rewrites start from an RDB preamble, so it stays compact. The RDB save points (Redis's
 * defaults) keep a recent dump.rdb beside it: a single-file snapshot that backups can copy, and a
 * fallback should the AOF ever be unreadable. Both fork, which is why maxmemory leaves headroom.
 */
export function derivePersistenceSettings(layout: InstanceLayout): Settings {
  return [
    ["dir", layout.dataDir],
    ["dbfilename", RDB_FILENAME],
    ["save", "3600 1 300 100 60 10000"],
    ["stop-writes-on-bgsave-error", "yes"],
    ["rdbcompression", "yes"],
    ["rdbchecksum", "yes"],
    ["appendonly", "yes"],
    ["appendfilename", AOF_FILENAME],
    ["appenddirname", AOF_DIRNAME],
    ["appendfsync", "everysec"],
    ["no-appendfsync-on-rewrite", "no"],
    ["aof-use-rdb-preamble", "yes"],
    ["aof-load-truncated", "yes"],
    ["auto-aof-rewrite-percentage", 100],
    ["auto-aof-rewrite-min-size", "64mb"],
  ];
}

/** Everything redis.conf holds, in file order. */
export function deriveSettings(spec: Pick<PrepareSpec, "ramMb" | "vcpus">, layout: InstanceLayout, paths: RedisPaths): Settings {
  return [
    ...deriveNetworkSettings(layout, paths),
    ...deriveProcessSettings(paths),
    ...deriveSecuritySettings(paths),
    ...deriveMemorySettings(spec.ramMb, spec.vcpus),
    ...derivePersistenceSettings(layout),
  ];
}

/** Renders settings in redis.conf syntax, quoting arguments that need it. */
export function renderConfig(settings: Settings): string {
  const lines = settings.map(([name, ...args]) => [name, ...args.map((arg) => quoteArg(String(arg)))].join(" "));
  return `${CONFIG_HEADER}\n${lines.join("\n")}\n`;
}

/** Double-quotes an argument unless it is plainly safe; redis.conf understands \\ and \" inside quotes. */
export function quoteArg(arg: string): string {
  if (/^[A-Za-z0-9._/:@-]+$/.test(arg)) return arg;
  return `"${arg.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/**
 * Reads back a redis.conf renderConfig wrote: directive name to its arguments joined by a space
 * (the later line wins, as in Redis). What a restart would read, to compare with the server.
 */
export function parseConfig(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const tokens = [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) =>
      m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? ""),
    );
    const [name, ...args] = tokens;
    if (name === undefined || name.startsWith("#")) continue;
    values.set(name.toLowerCase(), args.join(" "));
  }
  return values;
}
