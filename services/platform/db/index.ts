// Hoard's state database: the Prisma client (SQLite embedded, PostgreSQL in production), its URL
// conventions, and the start-up migrator. Only store/ modules import this; the schema lives in
// prisma/schema.base.prisma.

export { createDb, isUniqueViolation, type Db, type DbTx } from "./client.js";
export { migrateDb, MigrationError, type MigrateOptions, type MigrateResult } from "./migrate.js";
export { defaultDatabaseUrl, providerOf, type Provider } from "./provider.js";
