// bench/backup: a full backup and a restore of one PostgreSQL instance holding about
// BENCH_BACKUP_MB MiB (default 1024), by hand (pg_basebackup | gzip > file; gzip -dc | tar -x,
// pg_ctl start, select 1) and through Hoard (CreateBackup until COMPLETED; CreateInstance{backup}
// until ACTIVE), alternating, BENCH_RUNS times (default 3), on one private stack. Prints medians,
// the agent's own timings, and as the last two lines the by-hand/hoard ratios (higher is better).
// BENCH_FLAVOR picks the flavor (default large); BENCH_KEEP_LOGS=<dir> keeps the agents' and the
// control plane's logs there for a closer look.
import { backupByHand, restoreByHand, scratchDir, tearDownByHand } from "./backup/by-hand.js";
import { keepLogs, lastNumber } from "./backup/agent-log.js";
import { hostInstance } from "./backup/host-instance.js";
import { loadData } from "./backup/load.js";
import { backupThroughHoard, createThroughHoard, deleteBackup, deleteInstance, hoardClients, waitActive, type Shape } from "./backup/through-hoard.js";
import { median, summary } from "./median.js";
import { createStack, freePort, type Stack } from "../test/e2e/harness.js";

const runs = Number(process.env.BENCH_RUNS ?? 3);
const sizeMb = Number(process.env.BENCH_BACKUP_MB ?? 1024);
const password = "Bench-pw-1";
const shape: Shape = {
  flavor: process.env.BENCH_FLAVOR ?? "large",
  // Room for the data, its WAL and a restore's staging copy.
  volumeSizeGb: Math.max(4, Math.ceil((sizeMb * 3) / 1024)),
  datastore: "postgresql",
  datastoreVersion: "15",
};

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;

// Whatever happens (an error, Ctrl-C), the stack, its instances and backups, and the by-hand
// files go: the stack's cleanup destroys every instance and removes its home with the backups.
// A signal and the failure it causes in the main flow both call cleanUp; both wait for one run.
const cleanups: (() => Promise<void> | void)[] = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const clean of cleanups.reverse()) await (async () => clean())().catch((err: unknown) => console.error("cleanup:", err));
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

/** Runs both, `a` first when `aFirst`; the results in the order of the arguments. */
async function inOrder<A, B>(aFirst: boolean, a: () => Promise<A>, b: () => Promise<B>): Promise<[A, B]> {
  if (aFirst) {
    const first = await a();
    return [first, await b()];
  }
  const second = await b();
  return [await a(), second];
}

async function main(): Promise<void> {
  // Polls every 25 ms while timing: no rate limit, which would only slow the measure.
  const stack: Stack = await createStack({ env: { HOARD_LOG_LEVEL: "info", HOARD_RATE_LIMIT_RPS: "0" } });
  cleanups.push(() => stack.cleanup());
  cleanups.push(tearDownByHand);
  const clients = hoardClients(stack.url, stack.token);

  const made = await clients.instances.createInstance({
    name: "bench-source",
    ...shape,
    databases: [{ name: "appdb" }],
    users: [{ name: "app", password, databases: ["appdb"] }],
  });
  const source = await waitActive(clients, made.instance?.id ?? "");
  const host = hostInstance(stack.home, source.id);
  const loadStarted = performance.now();
  const loaded = await loadData(
    {
      user: { host: source.host, port: source.port, user: "app", password, database: "appdb" },
      superuser: { host: host.runDir, port: host.port, user: "postgres", database: "appdb" },
    },
    sizeMb,
  );
  console.log(`loaded ${loaded.rows} rows, database ${mb(loaded.bytes)}, in ${ms(performance.now() - loadStarted)}; flavor ${shape.flavor}, volume ${shape.volumeSizeGb} GB`);

  const hand = { backup: [] as number[], restore: [] as number[], extract: [] as number[], start: [] as number[], bytes: [] as number[] };
  const hoard = { backup: [] as number[], restore: [] as number[], create: [] as number[], bytes: [] as number[], plain: [] as number[] };
  const agent = { backup: [] as number[], extract: [] as number[], restore: [] as number[] };

  for (let i = 0; i < runs; i++) {
    const handFirst = i % 2 === 0;
    const scratch = scratchDir(host.account);
    cleanups.push(scratch.remove);

    // Backups, in alternating order.
    const byHandBackup = () => backupByHand(host, scratch.dir);
    const hoardBackup = async () => {
      const taken = await backupThroughHoard(clients, source.id, `bench-${i}`);
      cleanups.push(() => deleteBackup(clients, taken.backup.id));
      await waitActive(clients, source.id); // the source leaves BACKUP just after; not timed
      return taken;
    };
    const [handB, hoardB] = await inOrder(handFirst, byHandBackup, hoardBackup);
    hand.backup.push(handB.ms);
    hand.bytes.push(handB.storedBytes);
    hoard.backup.push(hoardB.ms);
    hoard.bytes.push(Number(hoardB.backup.storedBytes));
    agent.backup.push(lastNumber(stack.home, source.id, "postgresql backup taken", "ms"));

    // Restores, in the same order.
    const byHandRestore = async () => restoreByHand(host, handB.file, await freePort());
    const hoardRestore = async () => {
      const restored = await createThroughHoard(clients, shape, `bench-restored-${i}`, hoardB.backup.id);
      const id = restored.instance.id;
      agent.extract.push(lastNumber(stack.home, id, "postgresql restored from a backup", "extractedMs"));
      agent.restore.push(lastNumber(stack.home, id, "postgresql restored from a backup", "totalMs"));
      keepLogs(stack.home, id, `restored-${i}`);
      await deleteInstance(clients, id);
      return restored;
    };
    const [handR, hoardR] = await inOrder(handFirst, byHandRestore, hoardRestore);
    hand.restore.push(handR.ms);
    hand.extract.push(handR.extractMs);
    hand.start.push(handR.startMs);
    hoard.restore.push(hoardR.ms);

    // The same create without a backup: what allocating and preparing an instance costs alone.
    const plain = await createThroughHoard(clients, shape, `bench-plain-${i}`);
    hoard.plain.push(plain.ms);
    keepLogs(stack.home, plain.instance.id, `plain-${i}`);
    await deleteInstance(clients, plain.instance.id);

    await deleteBackup(clients, hoardB.backup.id);
    scratch.remove();
    console.log(
      `run ${i + 1}/${runs}: backup by hand ${ms(handB.ms)}, hoard ${ms(hoardB.ms)}; restore by hand ${ms(handR.ms)}, hoard ${ms(hoardR.ms)}; empty create ${ms(plain.ms)}`,
    );
  }

  keepLogs(stack.home, source.id, "source");
  keepLogs(stack.home, undefined, "control-plane.log");
  const backupRatio = median(hand.backup) / median(hoard.backup);
  const restoreRatio = median(hand.restore) / median(hoard.restore);
  console.log(`database: ${mb(loaded.bytes)}; runs: ${runs}`);
  console.log(`backup  by hand: ${summary(hand.backup)}, ${mb(median(hand.bytes))} stored (gzip -6)`);
  console.log(`backup  hoard:   ${summary(hoard.backup)}, ${mb(median(hoard.bytes))} stored (gzip -1 + AES-GCM); agent's pg_basebackup ${summary(agent.backup)}`);
  console.log(`restore by hand: ${summary(hand.restore)} (extract ${ms(median(hand.extract))}, start and first answer ${ms(median(hand.start))})`);
  console.log(`restore hoard:   ${summary(hoard.restore)} (agent: extract and verify ${ms(median(agent.extract))}, whole restore ${ms(median(agent.restore))})`);
  console.log(`create hoard, empty instance, for context: ${summary(hoard.plain)}`);
  console.log(`backup ratio by-hand/hoard: ${backupRatio.toFixed(2)}`);
  console.log(`restore ratio by-hand/hoard: ${restoreRatio.toFixed(2)}`);
}

try {
  await main();
} finally {
  await cleanUp();
}
