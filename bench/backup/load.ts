// Fills the bench's database to about a given size, server-side (INSERT ... SELECT
// generate_series), with rows that compress like real data: a key, small integers, a status word,
// a short sentence drawn from a vocabulary, an md5 digest (hex: compressible, not repetitive), a
// timestamp, and a primary key index. Then VACUUM ANALYZE and a CHECKPOINT, so every backup copies
// the same settled files.
import pg from "pg";

const CREATE = `create table events (
  id bigint primary key,
  account int not null,
  kind text not null,
  note text not null,
  digest text not null,
  created timestamptz not null
)`;

// A vocabulary of 32 words; each row's note picks six of them by different strides of its id.
const WORDS = [
  "order", "shipped", "customer", "invoice", "payment", "received", "delayed", "warehouse",
  "returned", "item", "priority", "standard", "express", "address", "updated", "cancelled",
  "refund", "issued", "pending", "review", "approved", "declined", "account", "created",
  "login", "failed", "password", "reset", "subscription", "renewed", "trial", "expired",
];
const KINDS = ["signup", "login", "logout", "purchase", "refund", "view", "click", "search"];

function insert(from: number, to: number): string {
  const words = `array[${WORDS.map((w) => `'${w}'`).join(",")}]`;
  const pick = (stride: number) => `(${words})[1 + (g / ${stride}) % ${WORDS.length}]`;
  return `insert into events
    select g,
           g % 10007,
           (array[${KINDS.map((k) => `'${k}'`).join(",")}])[1 + g % ${KINDS.length}],
           concat_ws(' ', ${[1, 3, 7, 11, 17, 29].map(pick).join(", ")}, 'ref', g % 997),
           md5(g::text),
           timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second'
    from generate_series(${from}, ${to}) g`;
}

/** A session as the instance's user, and one as the superuser over the socket (for CHECKPOINT). */
export interface LoadTargets {
  user: pg.ClientConfig;
  superuser: pg.ClientConfig;
}

/** Loads rows until the database is about `targetMb` MiB; returns its final size in bytes and the row count. */
export async function loadData(targets: LoadTargets, targetMb: number): Promise<{ bytes: number; rows: number }> {
  const client = new pg.Client(targets.user);
  await client.connect();
  try {
    await client.query(CREATE);
    const size = async () => Number((await client.query<{ n: string }>("select pg_database_size(current_database()) as n")).rows[0]?.n ?? 0);
    const empty = await size();
    const target = targetMb * 1024 * 1024;
    // A first batch measures bytes per row; the rest is one or a few more batches of the right size.
    let rows = 0;
    let batch = 200_000;
    while ((await size()) < target) {
      await client.query(insert(rows + 1, rows + batch));
      rows += batch;
      const perRow = ((await size()) - empty) / rows;
      batch = Math.max(10_000, Math.min(2_000_000, Math.ceil((target - (await size())) / perRow)));
    }
    await client.query("vacuum analyze events");
    const admin = new pg.Client(targets.superuser);
    await admin.connect();
    try {
      await admin.query("checkpoint");
    } finally {
      await admin.end();
    }
    return { bytes: await size(), rows };
  } finally {
    await client.end();
  }
}
