// bench/provision: time from the create call to the first answered query on a new PostgreSQL
// instance through Hoard, beside the by-hand floor measured in the same run on the same machine
// (initdb + pg_ctl start -w + first query). Prints the ratio hoard/by-hand as its last line.
import { execFileSync, execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { connectClient } from "../test/e2e/clients.js";
import { createStack, freePort } from "../test/e2e/harness.js";

const run = promisify(execFile);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const binDir = "/usr/lib/postgresql/15/bin";
const password = "Bench-pw-1";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function firstQuery(config: pg.ClientConfig, deadline: number): Promise<void> {
  for (;;) {
    const client = new pg.Client({ ...config, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query("select 1");
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 5));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** initdb + pg_ctl start -w + first query, as an unprivileged user, as a DBA would by hand. */
async function byHand(i: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-pg-"));
  fs.chmodSync(dir, 0o755);
  const user = os.userInfo().uid === 0 ? "postgres" : os.userInfo().username;
  const uid = Number(execFileSync("id", ["-u", user]).toString());
  const gid = Number(execFileSync("id", ["-g", user]).toString());
  fs.chownSync(dir, uid, gid);
  const data = path.join(dir, "data");
  const host = `127.0.3.${10 + i}`;
  const port = await freePort(host);
  const as = { uid, gid };
  const started = performance.now();
  await run(path.join(binDir, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], as);
  await run(path.join(binDir, "pg_ctl"), ["-D", data, "-w", "-s", "-l", path.join(dir, "log"), "-o", `-k ${dir} -h ${host} -p ${port}`, "start"], as);
  await firstQuery({ host, port, user: "postgres", database: "postgres" }, Date.now() + 30_000);
  const elapsed = performance.now() - started;
  await run(path.join(binDir, "pg_ctl"), ["-D", data, "-w", "-s", "-m", "immediate", "stop"], as);
  fs.rmSync(dir, { recursive: true, force: true });
  return elapsed;
}

async function throughHoard(client: ReturnType<typeof connectClient>, i: number): Promise<number> {
  const started = performance.now();
  const { instance } = await client.createInstance({
    name: `bench${i}`,
    flavor: "small",
    volumeSizeGb: 1,
    datastore: "postgresql",
    datastoreVersion: "15",
    databases: [{ name: "appdb" }],
    users: [{ name: "app", password, databases: ["appdb"] }],
  });
  const deadline = Date.now() + 120_000;
  let host = "";
  let port = 0;
  while (!host) {
    const got = (await client.getInstance({ id: instance?.id ?? "" })).instance;
    if (got?.fault) throw new Error(`bench${i} failed: ${got.fault.message}`);
    host = got?.host ?? "";
    port = got?.port ?? 0;
    if (!host) await new Promise((r) => setTimeout(r, 5));
    if (Date.now() > deadline) throw new Error("no address in time");
  }
  await firstQuery({ host, port, user: "app", password, database: "appdb" }, deadline);
  const elapsed = performance.now() - started;
  await client.deleteInstance({ id: instance?.id ?? "" });
  return elapsed;
}

const stack = await createStack({ env: { HOARD_LOG_LEVEL: "info" } });
try {
  const client = connectClient(stack.url, stack.token);
  // One warm-up each, not counted: the first Hoard create also builds the template data directory.
  await throughHoard(client, 100);
  await byHand(99);
  const hand: number[] = [];
  const hoard: number[] = [];
  for (let i = 0; i < runs; i++) {
    hand.push(await byHand(i));
    hoard.push(await throughHoard(client, i));
  }
  const h = median(hoard);
  const b = median(hand);
  console.log(`runs: ${runs}`);
  console.log(`by hand (initdb + pg_ctl start -w + first query): median ${b.toFixed(0)} ms [${hand.map((x) => x.toFixed(0)).join(", ")}]`);
  console.log(`hoard (create call to first query as the new user): median ${h.toFixed(0)} ms [${hoard.map((x) => x.toFixed(0)).join(", ")}]`);
  console.log(`provision postgresql ratio hoard/by-hand: ${(h / b).toFixed(2)}`);
} finally {
  await stack.cleanup();
}
