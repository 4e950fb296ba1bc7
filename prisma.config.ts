// Prisma CLI configuration (generate, migrate deploy/status/diff, db push).
//
// Picks the rendered schema, its migrations folder and the driver adapter by the scheme of
// DATABASE_URL: `file:` -> prisma/sqlite, `postgresql://` -> prisma/postgresql. Without DATABASE_URL it
// uses the embedded default, a SQLite file under ./.hoard. The schema engine runs as JavaScript (wasm)
// through the adapter, so no engine binary is downloaded (see shared reference/toolchain.md).

import { mkdirSync } from "node:fs";
import { defineConfig } from "prisma/config";
import { createMigrationPgAdapter } from "./services/platform/db/pg-adapter.js";
import { defaultDatabaseUrl, providerOf } from "./services/platform/db/provider.js";
import { TunedSQLiteAdapter } from "./services/platform/db/sqlite-adapter.js";

if (process.env.DATABASE_URL === undefined || process.env.DATABASE_URL === "") {
  mkdirSync(".hoard", { recursive: true });
  // The schema's `url = env("DATABASE_URL")` must resolve too.
  process.env.DATABASE_URL = defaultDatabaseUrl("./.hoard");
}
const url = process.env.DATABASE_URL;
const provider = providerOf(url);

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: `prisma/${provider}/schema.prisma`,
  migrations: { path: `prisma/${provider}/migrations` },
  adapter: async () =>
    provider === "sqlite" ? new TunedSQLiteAdapter(url) : createMigrationPgAdapter(url),
});
