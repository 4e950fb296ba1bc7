// Which database a DATABASE_URL points at. One place decides, so the client, the migrator and
// prisma.config.ts can never disagree.

/** The two databases Hoard runs on; also the folder names under prisma/ and gen/prisma/. */
export type Provider = "sqlite" | "postgresql";

/** Returns the provider for a URL: `file:` is SQLite, `postgresql:`/`postgres:` is PostgreSQL. */
export function providerOf(databaseUrl: string): Provider {
  if (databaseUrl.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return "postgresql";
  // Never echo the URL: it may carry a password.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(databaseUrl)?.[0] ?? "(none)";
  throw new Error(`unsupported database URL scheme ${scheme}: use file:<path> or postgresql://...`);
}

/** The embedded default: one SQLite file in Hoard's home directory. */
export function defaultDatabaseUrl(home: string): string {
  return `file:${home}/hoard.db`;
}
