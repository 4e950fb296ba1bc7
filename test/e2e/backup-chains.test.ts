// Incremental backups and their chains on a real MariaDB and PostgreSQL, checked the way their user
// would: known data, a full backup, changes (inserts, updates, deletes, a new table), an incremental
// backup, more changes, a second incremental on the first, still more changes; a restore from the
// last increment holds exactly the data at it, table by table. A flipped byte in an increment's
// stored object fails its restore naming that object, never yielding an ACTIVE instance. Deleting
// the full backup is refused while increments build on it, and takes the whole chain with
// --cascade. The same chain round trip works through the JetStream object store. PostgreSQL's
// increments are the WAL archived since the parent, copied into the backup: a point-in-time restore
// from one replays its chain's WAL, then the source's archive. A schedule with full_every 2 takes
// full and incremental backups by turns, and its retention prunes whole chains, never a parent a
// remaining backup needs; engines without increments refuse full_every.
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupService, BackupState, type Backup } from "../../gen/proto/hoard/v1/backup_pb.js";
import { InstanceStatus, type Instance } from "../../gen/proto/hoard/v1/instance_pb.js";
import { failure, pw, user, waitBackup } from "./backup-helpers.js";
import { connectClient, serviceClient } from "./clients.js";
import { mariadb } from "./engine-clients.js";
import { waitForStatus } from "./instance-status.js";
import { createStack, psql, waitUntil, type Stack } from "./harness.js";

/** An engine as the chain tests write to it and compare it. */
interface ChainEngine {
  datastore: "mariadb" | "postgresql";
  sql(i: Instance, text: string): Promise<string>;
  /** Row count and a hash of every row, per table, for the tables there are. */
  digest(i: Instance): Promise<Record<string, string>>;
  /** The writes between backups: each step inserts, updates and deletes, and the third adds a table. */
  changes: readonly string[];
}

const checked = async (result: Promise<{ code: number; stdout: string; stderr: string }>) => {
  const { code, stdout, stderr } = await result;
  expect(code, stderr).toBe(0);
  return stdout;
};

const maria: ChainEngine = {
  datastore: "mariadb",
  sql: (i, text) => checked(mariadb(i.host, i.port, "app", pw, "appdb", text)),
  async digest(i) {
    const tables = (await this.sql(i, "select table_name from information_schema.tables where table_schema = 'appdb' order by table_name")).split("\n").filter(Boolean);
    const out: Record<string, string> = {};
    for (const table of tables) {
      out[table] = await this.sql(
        i,
        `set session group_concat_max_len = 16777216; select concat(count(*), ' ', coalesce(md5(group_concat(id, ':', v order by id separator ',')), '-')) from ${table}`,
      );
    }
    return out;
  },
  changes: [
    "create table t (id int primary key, v varchar(64)); insert into t select seq, md5(seq) from seq_1_to_2000",
    "insert into t select seq, md5(seq) from seq_2001_to_2500; update t set v = 'changed' where id <= 100; delete from t where id between 101 and 150",
    "create table u (id int primary key, v varchar(64)); insert into u select seq, sha1(seq) from seq_1_to_300; update t set v = 'again' where id between 2001 and 2010",
    "insert into t select seq, md5(seq) from seq_2501_to_2600; delete from u where id <= 50; update t set v = 'late' where id <= 5",
  ],
};

const postgres: ChainEngine = {
  datastore: "postgresql",
  sql: (i, text) => checked(psql(i.host, i.port, "app", pw, "appdb", text)),
  async digest(i) {
    const tables = (await this.sql(i, "select table_name from information_schema.tables where table_schema = 'public' order by table_name")).split("\n").filter(Boolean);
    const out: Record<string, string> = {};
    for (const table of tables) {
      out[table] = await this.sql(i, `select count(*) || ' ' || coalesce(md5(string_agg(id || ':' || v, ',' order by id)), '-') from ${table}`);
    }
    return out;
  },
  changes: [
    "create table t (id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 2000) g",
    "insert into t select g, md5(g::text) from generate_series(2001, 2500) g; update t set v = 'changed' where id <= 100; delete from t where id between 101 and 150",
    "create table u (id int primary key, v text); insert into u select g, md5('u' || g) from generate_series(1, 300) g; update t set v = 'again' where id between 2001 and 2010",
    "insert into t select g, md5(g::text) from generate_series(2501, 2600) g; delete from u where id <= 50; update t set v = 'late' where id <= 5",
  ],
};

/** Instance, full backup, two increments (the second on the first by name); the digest at each backup. */
async function buildChain(stack: Stack, name: string, engine: ChainEngine = maria) {
  const { sql, changes } = engine;
  const digest = (i: Instance) => engine.digest(i);
  const client = connectClient(stack.url, stack.token);
  const backups = serviceClient(BackupService, stack.url, stack.token);
  const created = await client.createInstance({ name, flavor: "tiny", volumeSizeGb: 1, datastore: engine.datastore, databases: [{ name: "appdb" }], users: [user] });
  const source = await waitForStatus(stack, created.instance?.id ?? "", InstanceStatus.ACTIVE);
  const take = async (backupName: string, extra: { incremental?: boolean; parent?: string } = {}): Promise<Backup> => {
    const started = (await backups.createBackup({ instance: name, name: backupName, ...extra })).backup;
    const done = await waitBackup(stack, started?.id ?? "");
    await waitForStatus(stack, source.id, InstanceStatus.ACTIVE);
    return done;
  };

  await sql(source, changes[0] ?? "");
  const full = await take(`${name}-full`);
  await sql(source, changes[1] ?? "");
  const inc1 = await take(`${name}-inc1`, { incremental: true });
  await sql(source, changes[2] ?? "");
  const inc2 = await take(`${name}-inc2`, { incremental: true, parent: `${name}-inc1` });
  const atInc2 = await digest(source);
  await sql(source, changes[3] ?? "");
  expect(await digest(source)).not.toEqual(atInc2);

  expect(full).toMatchObject({ kind: "full", parentId: "" });
  expect(inc1).toMatchObject({ kind: "incremental", parentId: full.id });
  expect(inc2).toMatchObject({ kind: "incremental", parentId: inc1.id, storage: full.storage });
  // An increment holds only what changed: far less than the full backup.
  expect(inc2.sizeBytes).toBeLessThan(full.sizeBytes);
  expect(Object.keys(atInc2)).toEqual(["t", "u"]);
  return { source, full, inc1, inc2, atInc2 };
}

/** Restores `backup` (to `restoreTime`, when given) into a new instance and returns it once ACTIVE. */
async function restore(stack: Stack, name: string, backup: string, datastore = "mariadb", restoreTime?: Date): Promise<Instance> {
  const client = connectClient(stack.url, stack.token);
  const at = restoreTime ? { restoreTime: timestampFromDate(restoreTime) } : {};
  const created = await client.createInstance({ name, flavor: "tiny", volumeSizeGb: 1, datastore, backup, ...at });
  return waitForStatus(stack, created.instance?.id ?? "", InstanceStatus.ACTIVE, 180_000);
}

/** Flips one byte in the middle of a backup's incremental object (file driver); a restore from it ends in ERROR naming the object. */
async function restoreCorrupted(stack: Stack, name: string, backup: Backup, datastore: string): Promise<void> {
  const client = connectClient(stack.url, stack.token);
  const object = path.join(stack.home, "backups", backup.id, "incremental");
  const bytes = fs.readFileSync(object);
  const middle = Math.floor(bytes.length / 2);
  bytes.writeUInt8(bytes.readUInt8(middle) ^ 0x01, middle);
  fs.writeFileSync(object, bytes);

  const created = await client.createInstance({ name, flavor: "tiny", volumeSizeGb: 1, datastore, backup: backup.id });
  const failed = await waitForStatus(stack, created.instance?.id ?? "", InstanceStatus.ERROR, 180_000);
  expect(failed.fault?.message).toContain(`${backup.id}/incremental`);
  expect(failed.fault?.message).toMatch(/corrupt|checksum|authentic/i);
  await client.deleteInstance({ id: name });
}

describe("incremental backup chains through the file driver", () => {
  let stack: Stack;
  let chain: Awaited<ReturnType<typeof buildChain>>;
  beforeAll(async () => {
    stack = await createStack();
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("mariadb: a restore from the last increment holds exactly the data at it, table by table", { timeout: 400_000 }, async () => {
    chain = await buildChain(stack, "ch-maria");
    const copy = await restore(stack, "ch-restored", chain.inc2.name);
    expect(await maria.digest(copy)).toEqual(chain.atInc2);
  });

  it("refuses increments it cannot take", async () => {
    const backups = serviceClient(BackupService, stack.url, stack.token);
    const noFlag = await failure(backups.createBackup({ instance: "ch-maria", name: "x1", parent: "ch-maria-full" }));
    expect(noFlag?.code).toBe(Code.InvalidArgument);
    // The restored instance has no backup of its own, and another instance's backup is no parent.
    const noBackup = await failure(backups.createBackup({ instance: "ch-restored", name: "x2", incremental: true }));
    expect(noBackup?.code).toBe(Code.FailedPrecondition);
    expect(noBackup?.rawMessage).toMatch(/no COMPLETED backup/);
    const foreign = await failure(backups.createBackup({ instance: "ch-restored", name: "x3", incremental: true, parent: "ch-maria-full" }));
    expect(foreign?.code).toBe(Code.FailedPrecondition);
    expect(foreign?.rawMessage).toMatch(/another instance/);
    expect((await backups.listBackups({ instance: "ch-maria" })).backups.map((b) => [b.name, b.kind])).toEqual([
      ["ch-maria-inc2", "incremental"],
      ["ch-maria-inc1", "incremental"],
      ["ch-maria-full", "full"],
    ]);
  });

  it("a flipped byte in an increment's stored object fails the restore naming it; nothing ACTIVE comes of it", { timeout: 200_000 }, async () => {
    await restoreCorrupted(stack, "ch-corrupt", chain.inc2, "mariadb");
  });

  it("deleting the full backup is refused while increments build on it, and takes the chain with cascade", async () => {
    const backups = serviceClient(BackupService, stack.url, stack.token);
    const refused = await failure(backups.deleteBackup({ id: "ch-maria-full" }));
    expect(refused?.code).toBe(Code.FailedPrecondition);
    expect(refused?.rawMessage).toMatch(/1 incremental backup built on it \(2 backups in all/);
    expect((await backups.listBackups({ instance: "ch-maria" })).backups).toHaveLength(3);

    await backups.deleteBackup({ id: "ch-maria-full", cascade: true });
    expect((await backups.listBackups({ instance: "ch-maria" })).backups).toEqual([]);
    for (const b of [chain.full, chain.inc1, chain.inc2]) expect(fs.existsSync(path.join(stack.home, "backups", b.id))).toBe(false);
  });
});

describe("postgresql incremental backups (archived WAL) through the file driver", () => {
  let stack: Stack;
  let chain: Awaited<ReturnType<typeof buildChain>>;
  beforeAll(async () => {
    stack = await createStack();
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("a point-in-time restore from an increment replays its chain's WAL, then the source's archive, to the moment", { timeout: 400_000 }, async () => {
    chain = await buildChain(stack, "pch-pg", postgres);
    // buildChain wrote changes[3] after the last increment: the moment is after it.
    const moment = new Date((await postgres.sql(chain.source, `select to_char(clock_timestamp() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`)).trim());
    const atMoment = await postgres.digest(chain.source);
    await sleep(1500);
    await postgres.sql(chain.source, "insert into u select g, 'after' from generate_series(1000, 1100) g");
    const copy = await restore(stack, "pch-pitr", chain.inc2.id, "postgresql", moment);
    expect(await postgres.digest(copy)).toEqual(atMoment);
    expect(atMoment).not.toEqual(chain.atInc2);
  });

  it("a restore from the last increment holds exactly the data at it, table by table, without the source's WAL archive", { timeout: 300_000 }, async () => {
    // The increments hold copies of their WAL: the archive can be pruned (here: removed) without breaking the chain.
    fs.rmSync(path.join(stack.home, "backups", "wal", chain.source.id), { recursive: true, force: true });
    const copy = await restore(stack, "pch-restored", chain.inc2.name, "postgresql");
    expect(await postgres.digest(copy)).toEqual(chain.atInc2);
    // Promoted and writable.
    await postgres.sql(copy, "insert into u values (100000, 'new')");

    // A further increment needs the WAL since inc2, which the source archived (the point-in-time
    // restore flushed it) and which went with the archive: it fails naming the missing file rather
    // than store a chain with a gap.
    const backups = serviceClient(BackupService, stack.url, stack.token);
    const started = (await backups.createBackup({ instance: "pch-pg", name: "pch-inc3", incremental: true })).backup;
    const failed = await waitUntil(
      async () => {
        const { backup } = await backups.getBackup({ id: started?.id ?? "" });
        return backup?.state === BackupState.FAILED || backup?.state === BackupState.COMPLETED ? backup : undefined;
      },
      "the increment on a pruned archive",
      120_000,
      200,
    );
    expect(failed.state).toBe(BackupState.FAILED);
    expect(failed.fault).toMatch(/WAL archive lacks [0-9A-F]{24}.*take a full backup/);
    await waitForStatus(stack, chain.source.id, InstanceStatus.ACTIVE);
  });

  it("a flipped byte in an increment's stored object fails the restore naming it; nothing ACTIVE comes of it", { timeout: 200_000 }, async () => {
    await restoreCorrupted(stack, "pch-corrupt", chain.inc2, "postgresql");
  });
});

describe("incremental backup chains through the nats driver", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await createStack({ env: { HOARD_BACKUP_STORAGE: "nats", HOARD_BACKUP_BUCKET: "hoard-e2e-chains" } });
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("mariadb: a chain restored from the object store holds exactly the data at its last increment", { timeout: 400_000 }, async () => {
    const chain = await buildChain(stack, "nch-maria");
    expect(chain.inc2.storage).toBe("nats");
    const copy = await restore(stack, "nch-restored", chain.inc2.id);
    expect(await maria.digest(copy)).toEqual(chain.atInc2);
    expect(fs.existsSync(path.join(stack.home, "backups"))).toBe(false);
  });

  it("postgresql: a chain restored from the object store holds exactly the data at its last increment", { timeout: 400_000 }, async () => {
    const chain = await buildChain(stack, "nch-pg", postgres);
    expect(chain.inc2.storage).toBe("nats");
    const copy = await restore(stack, "nch-pg-restored", chain.inc2.id, "postgresql");
    expect(await postgres.digest(copy)).toEqual(chain.atInc2);
  });
});

describe("scheduled backup chains", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await createStack({ env: { HOARD_SCHEDULER_POLL_MS: "250" } });
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("full_every 2 alternates full and incremental backups; keep_last 2 prunes whole chains", { timeout: 400_000 }, async () => {
    const client = connectClient(stack.url, stack.token);
    const backups = serviceClient(BackupService, stack.url, stack.token);
    const redis = await client.createInstance({ name: "sch-redis", flavor: "tiny", volumeSizeGb: 1, datastore: "redis", users: [{ ...user, databases: [] }] });
    await waitForStatus(stack, redis.instance?.id ?? "", InstanceStatus.ACTIVE);
    const refused = await failure(backups.setBackupSchedule({ instance: "sch-redis", cron: "* * * * *", keepLast: 2, fullEvery: 3 }));
    expect(refused?.code).toBe(Code.InvalidArgument);
    expect(refused?.rawMessage).toMatch(/full_every.*incremental backups are not supported for redis/);
    const refusedIncrement = await failure(backups.createBackup({ instance: "sch-redis", name: "r-inc", incremental: true }));
    expect(refusedIncrement?.code).toBe(Code.FailedPrecondition);

    const created = await client.createInstance({ name: "sch-maria", flavor: "tiny", volumeSizeGb: 1, datastore: "mariadb", databases: [{ name: "appdb" }], users: [user] });
    const source = await waitForStatus(stack, created.instance?.id ?? "", InstanceStatus.ACTIVE);
    await maria.sql(source, maria.changes[0] ?? "");
    const set = await backups.setBackupSchedule({ instance: "sch-maria", cron: "*/2 * * * * *", keepLast: 2, fullEvery: 2 });
    expect(set.schedule).toMatchObject({ keepLast: 2, fullEvery: 2 });

    const seen = new Map<string, Backup>();
    const orphans = new Set<string>();
    let writes = 0;
    await waitUntil(
      async () => {
        const listed = (await backups.listBackups({ instance: "sch-maria" })).backups;
        const ids = new Set(listed.map((b) => b.id));
        // Never a listed backup whose parent is gone (recorded here: waitUntil retries a probe that throws).
        for (const b of listed) if (b.parentId && !ids.has(b.parentId)) orphans.add(b.name);
        for (const b of listed) if (b.state === BackupState.COMPLETED) seen.set(b.id, b);
        await maria.sql(source, `insert into t select seq, 'w' from seq_${3000 + writes * 10}_to_${3009 + writes * 10}`);
        writes++;
        const pruned = [...seen.keys()].filter((id) => !ids.has(id));
        return seen.size >= 5 && pruned.length >= 2 ? true : undefined;
      },
      "five scheduled backups and pruning",
      300_000,
      500,
    );
    await backups.clearBackupSchedule({ instance: "sch-maria" });
    expect([...orphans]).toEqual([]);

    const ordered = [...seen.values()].sort((a, b) => Number(a.createdAt?.seconds ?? 0n) - Number(b.createdAt?.seconds ?? 0n) || (a.createdAt?.nanos ?? 0) - (b.createdAt?.nanos ?? 0));
    expect(ordered[0]?.kind).toBe("full");
    for (const [n, b] of ordered.entries()) {
      const previous = ordered[n - 1];
      // full_every 2: an increment builds on the full backup just before it; a full follows an increment.
      if (b.kind === "incremental") expect(previous).toMatchObject({ id: b.parentId, kind: "full" });
      else if (previous) expect(previous.kind).toBe("incremental");
    }
    // Pruned backups' objects are gone; kept ones still have theirs.
    const listed = new Set((await backups.listBackups({ instance: "sch-maria" })).backups.map((b) => b.id));
    for (const b of ordered) expect(fs.existsSync(path.join(stack.home, "backups", b.id)), b.name).toBe(listed.has(b.id));
  });
});
