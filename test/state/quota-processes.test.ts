// Quotas across processes on one SQLite file (gateways and a taskmanager each have their own
// connection): four processes racing 5 creates each against an instances quota of 6 make exactly
// 6, and every other create is refused for the quota, none failing on a busy database. Within a
// process the driver adapter runs one transaction at a time; across processes the project row
// written first in each quota-checked transaction takes SQLite's write lock, and the others wait
// for it (busy_timeout, and the transaction is tried again if that runs out) rather than read a
// stale count.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, defaultDatabaseUrl, migrateDb, type Db } from "../../services/platform/db/index.js";
import { builtInQuotaDefaults } from "../../services/platform/quota.js";
import { createQuotas } from "../../services/platform/store/quota.js";

const creator = fileURLToPath(new URL("./fixtures/quota-creator.ts", import.meta.url));

interface Outcome {
  made: number;
  refused: number;
  other: string[];
}

/** Starts a creator; resolves `ready` once it is connected, `done` with its outcome. */
function startCreator(args: string[]) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ["--import", "tsx", creator, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  const lines = createInterface({ input: child.stdout });
  let outcome: Outcome | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    lines.on("line", (line) => {
      if (line === "ready") resolve();
      else if (line.startsWith("{")) outcome = JSON.parse(line) as Outcome;
    });
    child.on("close", (code) => reject(new Error(`creator exited ${code} before it was ready: ${stderr}`)));
  });
  const done = new Promise<Outcome>((resolve, reject) => {
    child.on("close", (code) => (code === 0 && outcome ? resolve(outcome) : reject(new Error(`creator exited ${code}: ${stderr}`))));
  });
  return { ready, done, go: () => child.stdin.end("go\n"), child };
}

describe("quotas across processes on SQLite", { timeout: 120_000 }, () => {
  const home = mkdtempSync(join(tmpdir(), "hoard-quota-procs-"));
  const url = defaultDatabaseUrl(home);
  let db: Db;
  beforeAll(async () => {
    await migrateDb(url);
    db = createDb(url);
  });
  afterAll(async () => {
    await db?.$disconnect();
    rmSync(home, { recursive: true, force: true });
  });

  it("four processes racing 20 creates against a quota of 6 make exactly 6", async () => {
    const project = await db.project.create({ data: { name: "racers" } });
    const datastore = await db.datastore.create({ data: { name: "redis" } });
    const version = await db.datastoreVersion.create({ data: { datastoreId: datastore.id, name: "7", manager: "redis", binDir: "/usr/bin" } });
    const flavor = await db.flavor.create({ data: { name: "tiny", vcpus: 1, ramMb: 256 } });
    await createQuotas(builtInQuotaDefaults).set(db, project.id, { instances: 6 }, []);

    const creators = ["p0", "p1", "p2", "p3"].map((prefix) => startCreator([url, project.id, flavor.id, version.id, "5", prefix]));
    try {
      await Promise.all(creators.map((c) => c.ready));
      for (const c of creators) c.go();
      const outcomes = await Promise.all(creators.map((c) => c.done));
      expect(outcomes.flatMap((o) => o.other)).toEqual([]);
      expect(outcomes.reduce((n, o) => n + o.made, 0)).toBe(6);
      expect(outcomes.reduce((n, o) => n + o.refused, 0)).toBe(14);
      expect(await db.instance.count({ where: { projectId: project.id } })).toBe(6);
    } finally {
      for (const c of creators) if (c.child.exitCode === null) c.child.kill("SIGKILL");
    }
  });
});
