// The PostgreSQL side of continuous archiving: the spool archive_command fills (settings.ts
// deriveArchiveSettings) and the switch to a new WAL file FlushWal asks for.
import { ensureOwnedDir } from "../common/host-fs.js";
import { DatastoreEngineError } from "../errors.js";
import type { DatastoreWal } from "../manager.js";
import { withAdminSession } from "./admin.js";
import type { InstanceContext } from "./context.js";

// pg_current_xact_id() in its own (autocommit) statement gives the transaction an id, so its end
// writes a commit record stamped with the current time: a restore to any moment up to now then
// finds a commit after its target and stops there instead of running out of WAL.
const COMMIT_NOW = "SELECT pg_current_xact_id()";
// Where that commit record ends: the switch record (or anything written meanwhile) starts there, so
// a replay to this position (recovery_target_lsn, inclusive) holds the commit and everything before.
const INSERT_POSITION = "SELECT pg_current_wal_insert_lsn()::text AS lsn";
const SWITCH = "SELECT pg_walfile_name(lsn) AS segment, lsn::text AS lsn FROM pg_switch_wal() AS lsn";

export function createPostgresqlWal(ctx: InstanceContext): DatastoreWal {
  return {
    spoolDir: ctx.paths.walSpoolDir,
    async enableArchiving() {
      await ensureOwnedDir(ctx.paths.walSpoolDir, ctx.switchTo, 0o700);
    },
    async switchSegment(signal) {
      return withAdminSession(ctx, "postgres", signal, async (client) => {
        await client.query(COMMIT_NOW);
        const stopLsn = (await client.query<{ lsn: string }>(INSERT_POSITION)).rows[0]?.lsn;
        const row = (await client.query<{ segment: string; lsn: string }>(SWITCH)).rows[0];
        if (!row || !stopLsn) throw new DatastoreEngineError("pg_switch_wal returned nothing");
        return { ...row, stopLsn };
      });
    },
  };
}
