// bench/provision: for each engine, the time from the create call to the first answered query as
// the new user, beside the by-hand floor measured in the same run on the same machine (median of
// BENCH_RUNS, default 5). Prints one ratio line (hoard/by-hand) per engine; the last line is the
// PostgreSQL ratio for compatibility with earlier runs.
import { connectClient } from "../test/e2e/clients.js";
import { createStack, freePort } from "../test/e2e/harness.js";
import { median } from "./median.js";
import { byHand } from "./provision/by-hand.js";
import { firstAnswer } from "./provision/first-answer.js";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const password = "Bench-pw-1";
const engines = (process.env.BENCH_ENGINES ?? "mariadb,redis,postgresql").split(",");
const versions: Record<string, string> = { postgresql: "15", mariadb: "10.11", redis: "7" };

async function throughHoard(client: ReturnType<typeof connectClient>, engine: string, i: number): Promise<number> {
  const sql = engine !== "redis";
  const started = performance.now();
  const { instance } = await client.createInstance({
    name: `bench-${engine}-${i}`,
    flavor: "small",
    volumeSizeGb: 1,
    datastore: engine,
    datastoreVersion: versions[engine] ?? "",
    databases: sql ? [{ name: "appdb" }] : [],
    users: [{ name: "app", password, databases: sql ? ["appdb"] : [] }],
  });
  const id = instance?.id ?? "";
  const deadline = Date.now() + 120_000;
  let got = (await client.getInstance({ id })).instance;
  while (!got?.host) {
    if (got?.fault) throw new Error(`${got.name} failed: ${got.fault.message}`);
    if (Date.now() > deadline) throw new Error("no address in time");
    await new Promise((r) => setTimeout(r, 5));
    got = (await client.getInstance({ id })).instance;
  }
  await firstAnswer(engine, { host: got.host, port: got.port, user: "app", password, database: sql ? "appdb" : "" }, deadline);
  const elapsed = performance.now() - started;
  await client.deleteInstance({ id });
  return elapsed;
}

// Polls every few ms to time the first answer: no rate limit, which would only slow the measure.
const stack = await createStack({ env: { HOARD_LOG_LEVEL: "info", HOARD_RATE_LIMIT_RPS: "0" } });
const lines: string[] = [];
try {
  const client = connectClient(stack.url, stack.token);
  for (const engine of engines) {
    const host = "127.0.3.1";
    // One warm-up each, not counted: the first Hoard create also builds the engine's template.
    await throughHoard(client, engine, 100);
    await byHand(engine, host, await freePort(host));
    const hand: number[] = [];
    const hoard: number[] = [];
    for (let i = 0; i < runs; i++) {
      hand.push(await byHand(engine, host, await freePort(host)));
      hoard.push(await throughHoard(client, engine, i));
    }
    const h = median(hoard);
    const b = median(hand);
    console.log(`${engine}: by hand median ${b.toFixed(0)} ms [${hand.map((x) => x.toFixed(0)).join(", ")}]`);
    console.log(`${engine}: hoard   median ${h.toFixed(0)} ms [${hoard.map((x) => x.toFixed(0)).join(", ")}] (${(h - b).toFixed(0)} ms above the floor)`);
    lines.push(`provision ${engine} ratio hoard/by-hand: ${(h / b).toFixed(2)}`);
  }
  console.log(`runs: ${runs}`);
  for (const line of lines) console.log(line);
} finally {
  await stack.cleanup();
}
