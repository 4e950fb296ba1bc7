// The server settings Hoard derives from a flavor (RAM, vCPUs) and an instance layout. Pure, so the
// sizing rules can be table-tested and reviewed without a server.
import { DatastoreSpecError } from "../errors.js";
import type { InstanceLayout, PrepareSpec } from "../manager.js";

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

/**
 * Logs go through the collector into seven weekday files, each truncated when its weekday comes
 * round again, so the disk holds at most a week of logs. Size-based rotation reopens the same
 * weekday file in append mode (PostgreSQL only truncates on time-based rotation), so within one
 * day the file is unbounded: a hard cap would need an agent-side sweep.
 */
export function deriveLogSettings(layout: InstanceLayout): Settings {
  return [
    ["logging_collector", true],
    ["log_directory", layout.logDir],
    ["log_filename", "postgresql-%a.log"],
    ["log_truncate_on_rotation", true],
    ["log_rotation_age", "1d"],
    ["log_rotation_size", "10MB"],
    ["log_file_mode", "0600"],
    ["log_line_prefix", "%m [%p] %q%u@%d "],
  ];
}

/** Everything hoard.conf holds, in file order. */
export function deriveSettings(spec: Pick<PrepareSpec, "ramMb" | "vcpus">, layout: InstanceLayout): Settings {
  return [...deriveNetworkSettings(layout), ...deriveFlavorSettings(spec.ramMb, spec.vcpus), ...deriveLogSettings(layout)];
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
