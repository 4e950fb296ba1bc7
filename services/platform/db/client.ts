// The Prisma client for Hoard's state, on SQLite or PostgreSQL, chosen by the URL.

import { PrismaClient as PostgresClient } from "../../../gen/prisma/postgresql/client.js";
import { PrismaClient as SqliteClient, type Prisma } from "../../../gen/prisma/sqlite/client.js";
import { createPgAdapter } from "./pg-adapter.js";
import { providerOf } from "./provider.js";
import { TunedSQLiteAdapter } from "./sqlite-adapter.js";

/**
 * The database handle every store/ module takes.
 *
 * The two generated clients come from one base schema, so their model APIs are identical; TypeScript
 * still sees two unrelated classes. Db is the SQLite client's type and the PostgreSQL client is cast to
 * it. SQLite is the right side to pick: where the APIs differ, PostgreSQL is the one with extras
 * (`mode: "insensitive"`, `skipDuplicates`, more isolation levels), so code typed against Db only uses
 * what both databases support.
 */
export type Db = SqliteClient;

/** The client inside `db.$transaction(async (tx) => ...)`. */
export type DbTx = Prisma.TransactionClient;

/** Opens a client for a `file:` (SQLite) or `postgresql://` URL. Call `$disconnect()` on shutdown. */
export function createDb(databaseUrl: string): Db {
  if (providerOf(databaseUrl) === "sqlite") {
    return new SqliteClient({ adapter: new TunedSQLiteAdapter(databaseUrl) });
  }
  const client = new PostgresClient({ adapter: createPgAdapter(databaseUrl) });
  return client as unknown as Db;
}

/** True for a unique-constraint violation (Prisma P2002), e.g. a taken name. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "P2002";
}
