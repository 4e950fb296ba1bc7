// Applies pending migrations on start-up.
//
// The fast path reads `_prisma_migrations` directly: when every migration under
// prisma/<provider>/migrations is applied with a matching checksum, nothing else runs. Otherwise it
// takes a cross-process lock, looks again, and runs `prisma migrate deploy` (prisma.config.ts picks
// schema, migrations folder and adapter by DATABASE_URL). Anything unusual (a failed or edited
// migration, one unknown to this build) goes to the CLI too, which reports it.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openMigrationTarget, type AppliedMigration } from "./migration-target.js";
import { providerOf } from "./provider.js";

/** Raised when the database cannot be brought up to date; `output` holds the CLI's text. */
export class MigrationError extends Error {
  override name = "MigrationError";
  constructor(message: string, readonly output = "") {
    super(message);
  }
}

export interface MigrateOptions {
  /** Repository root holding prisma.config.ts and prisma/; found from this file when omitted. */
  root?: string;
  /** How long to wait for another process's migration to finish (default 2 min). */
  lockWaitMs?: number;
  /** Limit for `prisma migrate deploy` itself (default 10 min). */
  deployTimeoutMs?: number;
}

export interface MigrateResult {
  /** Migrations this call applied; empty when the database was already up to date. */
  applied: string[];
}

/** Brings the database at `databaseUrl` up to date; throws MigrationError when it cannot. */
export async function migrateDb(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const provider = providerOf(databaseUrl);
  const root = options.root ?? findRoot();
  const url = provider === "sqlite" ? absoluteSqliteUrl(databaseUrl) : databaseUrl;
  if (provider === "sqlite") mkdirSync(dirname(url.slice("file:".length)), { recursive: true });
  const local = localMigrations(join(root, "prisma", provider, "migrations"));

  const target = await openMigrationTarget(url).catch((err: unknown) => {
    throw new MigrationError(`cannot open the ${provider} database: ${(err as Error).message}`);
  });
  try {
    if (isUpToDate(local, await target.applied())) return { applied: [] };
    await target.lock(options.lockWaitMs ?? 120_000);
    const applied = await target.applied(); // another process may have migrated meanwhile
    if (isUpToDate(local, applied)) return { applied: [] };
    await deploy(root, url, options.deployTimeoutMs ?? 600_000);
    const done = new Set((applied ?? []).filter((m) => m.finished && !m.rolledBack).map((m) => m.name));
    return { applied: [...local.keys()].filter((name) => !done.has(name)) };
  } finally {
    await target.close();
  }
}

/** Migration folder name -> SHA-256 of its migration.sql (the checksum Prisma records). */
function localMigrations(dir: string): Map<string, string> {
  if (!existsSync(dir)) throw new MigrationError(`no migrations folder at ${dir}`);
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, "migration.sql")))
    .map((e) => e.name)
    .sort();
  const sha = (name: string) =>
    createHash("sha256").update(readFileSync(join(dir, name, "migration.sql"))).digest("hex");
  return new Map(names.map((name) => [name, sha(name)]));
}

function isUpToDate(local: Map<string, string>, applied: AppliedMigration[] | undefined): boolean {
  if (applied === undefined) return local.size === 0;
  const live = applied.filter((m) => !m.rolledBack);
  if (live.some((m) => !m.finished || local.get(m.name) !== m.checksum)) return false;
  const done = new Set(live.map((m) => m.name));
  return [...local.keys()].every((name) => done.has(name));
}

// The wasm schema engine leaves a 10 s timer behind on PostgreSQL (its advisory-lock timeout), which
// keeps the CLI process alive after its work is done. Unref long timers in the child so it exits
// when it is finished; short ones (retries) keep it alive as usual.
const UNREF_LONG_TIMERS =
  "data:text/javascript,const st=globalThis.setTimeout;" +
  "globalThis.setTimeout=function(f,ms,...a){const t=st(f,ms,...a);if(ms>=5000)t.unref();return t}";

function deploy(root: string, url: string, timeoutMs: number): Promise<void> {
  const cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  const args = ["--import", UNREF_LONG_TIMERS, cli, "migrate", "deploy", "--config", join(root, "prisma.config.ts")];
  const env = { ...process.env, DATABASE_URL: url, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    child.on("error", (err) => reject(new MigrationError(`cannot run prisma migrate deploy: ${err.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) return resolvePromise();
      const why = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(new MigrationError(`database migration failed: prisma migrate deploy ${why}\n${summarize(output)}`, output));
    });
  });
}

/** The CLI's error (from its first "Error" line) without the banner and warnings before it. */
function summarize(output: string): string {
  const lines = output.split("\n").filter((l) => l.trim() !== "");
  const start = lines.findIndex((l) => l.startsWith("Error"));
  const text = (start >= 0 ? lines.slice(start, start + 8) : lines.slice(-12)).join("\n");
  // With driver adapters Prisma 6.19 records "External error id#N" instead of the database's message.
  return /External error/.test(text)
    ? `${text}\n(the driver adapter hides the database's message: run that migration.sql by hand to see it)`
    : text;
}

/** The child runs in the repository root, so a relative SQLite path is pinned to our cwd first. */
function absoluteSqliteUrl(url: string): string {
  return `file:${resolve(url.slice("file:".length))}`;
}

/** Nearest directory above this file holding prisma.config.ts (works from sources and from dist/). */
function findRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "prisma.config.ts"))) return dir;
    if (dirname(dir) === dir) throw new MigrationError("cannot find prisma.config.ts above " + import.meta.url);
  }
}
