// PostgreSQL driver adapters: a plain one for queries, and one for the migration engine.
//
// @prisma/adapter-pg 6.19 refuses result columns of the catalogue types `name` (oid 19) and `"char"`
// (oid 18): "Column type 'name' could not be deserialized" (prisma/orm#27403). Hoard's own queries never
// return them, but the schema engine's catalogue queries behind `prisma migrate deploy/status` (name)
// and `prisma db pull` (both) do. The migration adapter's connections therefore report them as `text`
// (oid 25); pg already hands both over as plain strings, so only the label changes. Drop this once the
// upstream fix lands.

import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

const CHAR_OID = 18;
const NAME_OID = 19;
const TEXT_OID = 25;

type Fields = { fields?: Array<{ dataTypeID: number }> };

function relabel(result: unknown): void {
  // A multi-statement simple query resolves to an array of results.
  for (const r of Array.isArray(result) ? result : [result]) {
    for (const f of (r as Fields | undefined)?.fields ?? []) {
      if (f.dataTypeID === NAME_OID || f.dataTypeID === CHAR_OID) f.dataTypeID = TEXT_OID;
    }
  }
}

/** pg.Client whose query results carry `text` instead of `name`/`"char"` column types. */
class NameAsTextClient extends pg.Client {}

const baseQuery = pg.Client.prototype.query;
// `query` has a dozen overloads; this wrapper handles its three call shapes at run time instead.
NameAsTextClient.prototype.query = function (this: pg.Client, ...args: unknown[]): unknown {
  const [config] = args;
  const submittable = typeof (config as { submit?: unknown } | null)?.submit === "function";
  const cbIndex = args.findIndex((a, i) => i > 0 && typeof a === "function");
  if (!submittable && cbIndex > 0) {
    // Callback style (pg-pool uses it internally).
    const cb = args[cbIndex] as (err: unknown, res: unknown) => void;
    args[cbIndex] = (err: unknown, res: unknown) => {
      if (!err) relabel(res);
      cb(err, res);
    };
  }
  const out = (baseQuery as (...a: unknown[]) => unknown).apply(this, args);
  if (!submittable && cbIndex < 0 && out instanceof Promise) {
    return out.then((res: unknown) => (relabel(res), res));
  }
  return out;
} as typeof baseQuery;

/** Adapter factory for queries at run time. */
export function createPgAdapter(databaseUrl: string): PrismaPg {
  return new PrismaPg({ connectionString: databaseUrl });
}

/** Adapter factory for the schema engine (prisma.config.ts): the `name`/`"char"` -> `text` workaround applied. */
export function createMigrationPgAdapter(databaseUrl: string): PrismaPg {
  // allowExitOnIdle: idle pooled connections never keep the CLI process alive.
  return new PrismaPg({ connectionString: databaseUrl, Client: NameAsTextClient, allowExitOnIdle: true });
}
