// The server settings Hoard derives from a flavor (RAM, vCPUs) and an instance layout, merged with a
// configuration group's parameters and the log switches into what hoard.conf holds. Pure, so the
// sizing and precedence rules can be table-tested and reviewed without a server.
import { DatastoreSpecError } from "../errors.js";
import type { InstanceLayout, ServerSettings } from "../manager.js";
import { switchSettings, type LogSwitches } from "./log-switches.js";
import { parameterSettings } from "./parameters.js";
import { resolvePaths } from "./paths.js";

/** Below this PostgreSQL 15 with our settings does not start reliably. */
export const MIN_RAM_MB = 128;

/** Ordered name → value pairs, rendered as-is into hoard.conf (strings are quoted there). */
export type Settings = ReadonlyArray<readonly [name: string, value: string | number | boolean]>;

/**
 * Memory, connection and parallelism settings for a flavor, in the spirit of pgtune: a quarter of RAM
 * for shared_buffers, three quarters as the planner's cache estimate, 100 connections from 1 GiB up
 * and proportionally fewer below (each backend costs a few MiB before any work_mem).
 */
export function deriveFlavorSettings(ramMb: number, vcpus: number): Settings {
  if (!Number.isInteger(ramMb) || ramMb < MIN_RAM_MB) {
    throw new DatastoreSpecError(`ramMb must be an integer of at least ${MIN_RAM_MB}, got ${ramMb}`);
  }
  if (!Number.isInteger(vcpus) || vcpus < 1) throw new DatastoreSpecError(`vcpus must be a positive integer, got ${vcpus}`);
  const maxConnections = ramMb >= 1024 ? 100 : Math.max(20, Math.floor((ramMb * 100) / 1024));
  const sharedBuffersMb = Math.floor(ramMb / 4);
  // Leave room for three sorts/hashes per connection in what shared_buffers does not take.
  const workMemKb = clamp(Math.floor(((ramMb - sharedBuffersMb) * 1024) / (maxConnections * 3)), 1024, 256 * 1024);
  const parallelPerGather = clamp(Math.floor(vcpus / 2), 0, 4);
  return [
    ["max_connections", maxConnections],
    ["shared_buffers", `${sharedBuffersMb}MB`],
    ["effective_cache_size", `${Math.floor((ramMb * 3) / 4)}MB`],
    ["work_mem", `${workMemKb}kB`],
    ["maintenance_work_mem", `${clamp(Math.floor(ramMb / 16), 16, 2048)}MB`],
    ["max_worker_processes", Math.max(8, vcpus)],
    ["max_parallel_workers", vcpus],
    ["max_parallel_workers_per_gather", parallelPerGather],
    ["max_parallel_maintenance_workers", parallelPerGather],
  ];
}

/** Where the server listens and how it authenticates; fixed by the layout. */
export function deriveNetworkSettings(layout: InstanceLayout): Settings {
  return [
    ["listen_addresses", layout.host],
    ["port", layout.port],
    ["unix_socket_directories", layout.runDir],
    // The directory is already 0700 and the server's own; the socket itself says the same.
    ["unix_socket_permissions", "0700"],
    ["password_encryption", "scram-sha-256"],
  ];
}

/** log_filename: one file per rotation, named by its start time, so names sort oldest first. */
export const SERVER_LOG_FILENAME = "postgresql-%Y%m%d-%H%M%S.log";

/**
 * Logs go through the collector into a new file at every rotation: daily, at 10 MB, or when the
 * agent asks (pg_rotate_logfile). Nothing is ever truncated or reused; the agent deletes the oldest
 * files once the logs together pass their cap (logs.ts). The line prefix is what server-log.ts
 * parses to tell entries apart, so it is the agent's, never a configuration group's.
 */
export function deriveLogSettings(layout: InstanceLayout): Settings {
  return [
    ["logging_collector", true],
    ["log_directory", layout.logDir],
    ["log_filename", SERVER_LOG_FILENAME],
    ["log_truncate_on_rotation", false],
    ["log_rotation_age", "1d"],
    ["log_rotation_size", "10MB"],
    ["log_file_mode", "0600"],
    ["log_line_prefix", "%m [%p] %q%u@%d "],
  ];
}

/**
 * A quiet instance with some activity still archives its WAL at least this often: the newest
 * moment a point-in-time restore can reach lags the present by at most this much (plus shipping).
 */
export const ARCHIVE_TIMEOUT = "60s";

/**
 * Continuous archiving: every finished WAL file is copied into the spool directory on the volume,
 * which the agent empties into the instance's WAL archive (wal-shipper.ts). The copy is atomic (a
 * temporary dot name, fsync, rename, fsync of the directory), so the agent never ships half a file;
 * a file already in the spool counts as archived only if it holds the same bytes (PostgreSQL
 * retries an archive_command whose success it did not record). Without a spool directory (an
 * instance that has no WAL archive) the command succeeds without keeping anything, as if
 * archive_mode were off, so WAL never piles up on the volume for nobody.
 */
export function deriveArchiveSettings(layout: InstanceLayout): Settings {
  const spool = shellQuote(resolvePaths(layout).walSpoolDir);
  const command =
    `d=${spool}; [ -d "$d" ] || exit 0; f="$d/%f"; t="$d/.%f.tmp"; ` +
    `if [ -e "$f" ]; then cmp -s "%p" "$f"; else cp "%p" "$t" && sync "$t" && mv "$t" "$f" && sync "$d"; fi`;
  return [
    ["wal_level", "replica"],
    ["archive_mode", true],
    ["archive_command", command],
    ["archive_timeout", ARCHIVE_TIMEOUT],
  ];
}

/**
 * After a crash, and on the first start of a restored backup, PostgreSQL flushes the whole data
 * directory before replaying WAL. One syncfs of the volume does that in a fraction of the time
 * fsyncing each file takes (the restore bench measured it as most of a restore's first start), and
 * the volume holds only this instance, so syncing all of it syncs nothing of anyone else's.
 */
export function deriveRecoverySettings(): Settings {
  return [["recovery_init_sync_method", "syncfs"]];
}

/** `text` as one word of /bin/sh. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Everything hoard.conf holds, in file order: layout, flavor and logs, then the configuration
 * group's parameters, then the log switches (log-switches.ts). A later value of a name replaces an
 * earlier one in place, so each setting appears once: parameters win over flavor-derived values
 * (work_mem), switches over parameters (log_statement).
 */
export function deriveSettings(
  settings: Pick<ServerSettings, "ramMb" | "vcpus" | "parameters">,
  layout: InstanceLayout,
  switches: LogSwitches = {},
): Settings {
  const merged = new Map<string, string | number | boolean>();
  const layers: Settings[] = [
    deriveNetworkSettings(layout),
    deriveFlavorSettings(settings.ramMb, settings.vcpus),
    deriveLogSettings(layout),
    deriveArchiveSettings(layout),
    deriveRecoverySettings(),
    parameterSettings(settings.parameters),
    switchSettings(switches, settings.parameters),
  ];
  for (const layer of layers) for (const [name, value] of layer) merged.set(name, value);
  return [...merged];
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
