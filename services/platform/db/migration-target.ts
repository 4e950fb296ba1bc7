// Direct, Prisma-free access to a database's migration bookkeeping, for migrateDb:
// read `_prisma_migrations` (so an up-to-date database costs one query, not a Prisma CLI start)
// and hold a cross-process lock so that two Hoard processes starting together migrate one at a time.

import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import pg from "pg";
import { providerOf } from "./provider.js";

/** One row of Prisma's `_prisma_migrations` table. */
export interface AppliedMigration {
  name: string;
  checksum: string;
  finished: boolean;
  rolledBack: boolean;
}

/** A database seen from the migrator; `close()` also releases the lock. */
export interface MigrationTarget {
  /** The bookkeeping rows, or undefined when no migration was ever applied. */
  applied(): Promise<AppliedMigration[] | undefined>;
  /** Waits (up to `waitMs`) until no other process holds the migration lock, then holds it. */
  lock(waitMs: number): Promise<void>;
  close(): Promise<void>;
}

const SELECT_ROWS =
  "SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations";

type Row = { migration_name: string; checksum: string; finished_at: unknown; rolled_back_at: unknown };

function toApplied(rows: Row[]): AppliedMigration[] {
  return rows.map((r) => ({
    name: r.migration_name,
    checksum: r.checksum,
    finished: r.finished_at !== null,
    rolledBack: r.rolled_back_at !== null,
  }));
}

/** Opens the target for a URL; SQLite paths must be absolute (migrateDb resolves them). */
export async function openMigrationTarget(databaseUrl: string): Promise<MigrationTarget> {
  return providerOf(databaseUrl) === "sqlite"
    ? sqliteTarget(databaseUrl.slice("file:".length))
    : await postgresTarget(databaseUrl);
}

// SQLite has no advisory locks: an exclusive transaction on a side file (<db>.migrate-lock) stands in.
// The OS drops it if the process dies, so a crash never leaves a stale lock behind.
function sqliteTarget(path: string): MigrationTarget {
  let lockDb: Database.Database | undefined;
  return {
    async applied() {
      if (!existsSync(path)) return undefined;
      const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 5000 });
      try {
        const table = db
          .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'")
          .get();
        return table === undefined ? undefined : toApplied(db.prepare(SELECT_ROWS).all() as Row[]);
      } finally {
        db.close();
      }
    },
    async lock(waitMs) {
      lockDb = new Database(`${path}.migrate-lock`, { timeout: 0 });
      const deadline = Date.now() + waitMs;
      for (;;) {
        try {
          lockDb.exec("BEGIN EXCLUSIVE");
          return;
        } catch (err) {
          const busy = (err as { code?: string }).code === "SQLITE_BUSY";
          if (!busy || Date.now() > deadline) throw err;
          await sleep(50);
        }
      }
    },
    async close() {
      lockDb?.close();
    },
  };
}

// PostgreSQL: a session advisory lock under Hoard's own key, so the schema engine's own advisory lock
// (which it gives up on after 10 s) is always free when `migrate deploy` runs.
const LOCK_KEY = "448545256036"; // "hoard" as a 40-bit integer

async function postgresTarget(databaseUrl: string): Promise<MigrationTarget> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let locked = false;
  return {
    async applied() {
      const { rows } = await client.query<{ present: boolean }>(
        "SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present",
      );
      if (rows[0]?.present !== true) return undefined;
      return toApplied((await client.query<Row>(SELECT_ROWS)).rows);
    },
    async lock(waitMs) {
      await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(waitMs))}`);
      await client.query("SELECT pg_advisory_lock($1::bigint)", [LOCK_KEY]);
      locked = true;
    },
    async close() {
      if (locked) await client.query("SELECT pg_advisory_unlock($1::bigint)", [LOCK_KEY]).catch(() => {});
      await client.end();
    },
  };
}
