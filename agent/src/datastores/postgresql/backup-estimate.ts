// What a full backup of this PostgreSQL will stream, as the server measures it, for progress
// reports: every database's size (pg_database_size: its relation files) plus one WAL segment,
// the least pg_basebackup -X fetch appends. Shared catalogs, the commit log and tar headers are
// left out: they are small, and an estimate only steers a percentage capped below 100.
import { adminSession, ADMIN_DATABASE } from "./admin-session.js";
import type { InstanceContext } from "./context.js";

const FULL_BACKUP_BYTES = "SELECT (SELECT sum(pg_database_size(oid)) FROM pg_database WHERE datallowconn)::text AS databases, current_setting('wal_segment_size') AS wal";

export async function estimateFullBackupBytes(ctx: InstanceContext, signal: AbortSignal): Promise<number | undefined> {
  const row = await adminSession(ctx, ADMIN_DATABASE, "measuring the databases", async (client) => (await client.query<{ databases: string | null; wal: string }>(FULL_BACKUP_BYTES)).rows[0], { signal });
  if (!row?.databases) return undefined;
  return Number(row.databases) + walSegmentBytes(row.wal);
}

/** "16MB" (SHOW's unit form) as bytes; 0 when unreadable. */
export function walSegmentBytes(setting: string): number {
  const match = /^(\d+)\s*(B|kB|MB|GB)?$/.exec(setting.trim());
  if (!match) return 0;
  const units: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
  return Number(match[1]) * (units[match[2] ?? "B"] ?? 1);
}
