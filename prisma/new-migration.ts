// Authors the next migration for both providers after an edit to prisma/schema.base.prisma.
//
//   npx tsx prisma/new-migration.ts <snake_case_name>
//
// `prisma migrate dev` and `migrate diff --from-migrations` do not work with driver adapters, so for each
// provider this: renders the schemas, applies the committed migrations to a scratch database, reads the
// result back (`prisma db pull --print`), and diffs it against the rendered schema
// (`prisma migrate diff --from-schema-datamodel ... --to-schema-datamodel ... --script`). A non-empty diff
// becomes prisma/<provider>/migrations/<NNNN>_<name>/migration.sql. Review it before committing.
//
// PostgreSQL needs a running server: HOARD_SCRATCH_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres)
// is used to create and drop a hoard_scratch_<random> database.

import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { migrateDb } from "../services/platform/db/migrate.js";
import { PROVIDERS, renderAll, type Provider } from "./render.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const prismaCli = createRequire(import.meta.url).resolve("prisma/build/index.js");
const scratchPgUrl = process.env.HOARD_SCRATCH_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** Runs the Prisma CLI against `databaseUrl`; returns stdout, or exits on an unexpected status. */
function prisma(databaseUrl: string, args: string[], okStatus = [0]): { stdout: string; status: number } {
  const r = spawnSync(process.execPath, [prismaCli, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: databaseUrl, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  });
  if (r.status === null || !okStatus.includes(r.status)) {
    console.error(r.stdout, r.stderr);
    throw new Error(`prisma ${args.join(" ")} failed`);
  }
  return { stdout: r.stdout, status: r.status };
}

/** A scratch database of the provider, with the committed migrations applied. */
async function withScratch<T>(provider: Provider, fn: (url: string) => Promise<T>): Promise<T> {
  if (provider === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "hoard-scratch-"));
    try {
      return await fn(`file:${join(dir, "scratch.db")}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const name = `hoard_scratch_${randomBytes(6).toString("hex")}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: scratchPgUrl });
    await c.connect();
    await c.query(sql).finally(() => c.end());
  };
  await admin(`CREATE DATABASE "${name}"`);
  try {
    const url = new URL(scratchPgUrl);
    url.pathname = `/${name}`;
    return await fn(url.toString());
  } finally {
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

async function diffFor(provider: Provider, name: string): Promise<void> {
  const migrations = join(root, "prisma", provider, "migrations");
  const schema = join(root, "prisma", provider, "schema.prisma");
  const sql = await withScratch(provider, async (url) => {
    await migrateDb(url, { root });
    // `db pull --print` writes a warning before the schema on stdout; keep from the first block on.
    const pulled = prisma(url, ["db", "pull", "--print", "--schema", schema]).stdout;
    const start = pulled.search(/^(generator|datasource) /m);
    const current = join(tmpdir(), `hoard-current-${provider}-${randomBytes(4).toString("hex")}.prisma`);
    writeFileSync(current, start >= 0 ? pulled.slice(start) : pulled);
    try {
      const args = ["migrate", "diff", "--from-schema-datamodel", current, "--to-schema-datamodel", schema];
      const diff = prisma(url, [...args, "--script", "--exit-code"], [0, 2]);
      return diff.status === 2 ? diff.stdout : undefined;
    } finally {
      rmSync(current, { force: true });
    }
  });
  if (sql === undefined) return console.log(`${provider}: schema matches the migrations; nothing to write`);
  const numbers = readdirSync(migrations).map((d) => Number.parseInt(d, 10)).filter((n) => !Number.isNaN(n));
  const next = String(Math.max(0, ...numbers) + 1).padStart(4, "0");
  const dir = join(migrations, `${next}_${name}`);
  mkdirSync(dir);
  writeFileSync(join(dir, "migration.sql"), sql);
  console.log(`${provider}: wrote ${dir}/migration.sql`);
}

const name = process.argv[2];
if (name === undefined || !/^[a-z][a-z0-9_]*$/.test(name)) {
  console.error("usage: npx tsx prisma/new-migration.ts <snake_case_name>");
  process.exit(2);
}
if (renderAll() !== 0) process.exit(1);
for (const provider of PROVIDERS) await diffFor(provider, name);
