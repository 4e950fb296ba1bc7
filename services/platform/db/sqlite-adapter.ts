// SQLite driver adapter tuned for several processes of one Hoard stack sharing one file.
//
// The stock PrismaBetterSQLite3 opens the file with no pragmas. Every connection it opens here gets:
// - journal_mode=WAL: readers do not block the writer and the writer does not block readers;
// - busy_timeout=5000: a writer waits up to 5 s for another process's write lock instead of failing
//   at once with SQLITE_BUSY;
// - synchronous=NORMAL: the usual pairing with WAL; a commit may be lost on power failure, never
//   corrupted;
// - foreign_keys=ON: enforce the schema's relations (Prisma's SQLite migrations assume it).

import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

const BUSY_TIMEOUT_MS = 5000;

const PRAGMAS = [
  "PRAGMA journal_mode = WAL",
  `PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`,
  "PRAGMA synchronous = NORMAL",
  "PRAGMA foreign_keys = ON",
].join(";\n");

/** Adapter factory for a `file:` URL; used by the runtime client and by prisma.config.ts. */
export class TunedSQLiteAdapter extends PrismaBetterSQLite3 {
  constructor(url: string) {
    // `timeout` is better-sqlite3's busy timeout; the pragma below says the same for clarity.
    super({ url, timeout: BUSY_TIMEOUT_MS });
  }

  override async connect(): ReturnType<PrismaBetterSQLite3["connect"]> {
    const adapter = await super.connect();
    await adapter.executeScript(PRAGMAS);
    return adapter;
  }
}
