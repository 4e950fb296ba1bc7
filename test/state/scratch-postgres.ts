// A private PostgreSQL database per test suite, on the machine's server (user postgres, trust auth),
// migrated to Hoard's schema and dropped afterwards; state tests run the same cases on it and on SQLite.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { createDb, migrateDb, type Db } from "../../services/platform/db/index.js";

const PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

/** Runs one statement as postgres; false when the server does not answer or refuses it. */
export async function pgAdmin(sql: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query(sql);
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Whether a PostgreSQL server answers; suites skip themselves when not. */
export const pgUp = await pgAdmin("select 1");

/** Inside a describe: a fresh migrated database for the suite; call the getter inside tests. */
export function scratchPostgres(): () => Db {
  const name = `hoard_test_${randomBytes(6).toString("hex")}`;
  let db: Db | undefined;
  beforeAll(async () => {
    await pgAdmin(`CREATE DATABASE "${name}"`);
    const url = `postgresql://postgres@127.0.0.1:5432/${name}`;
    await migrateDb(url);
    db = createDb(url);
  });
  afterAll(async () => {
    await db?.$disconnect();
    await pgAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
  return () => {
    if (!db) throw new Error("the scratch PostgreSQL database is not ready (use it inside tests)");
    return db;
  };
}
