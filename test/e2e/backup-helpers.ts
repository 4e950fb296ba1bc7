// What the backup end-to-end tests share: how each engine is written to and compared as a whole,
// waiting for a backup to finish, and reading an RPC's failure.
import { ConnectError } from "@connectrpc/connect";
import { BackupService, BackupState, type Backup } from "../../gen/proto/hoard/v1/backup_pb.js";
import type { Instance } from "../../gen/proto/hoard/v1/instance_pb.js";
import { serviceClient } from "./clients.js";
import { mariadb, redisCli } from "./engine-clients.js";
import { psql, waitUntil, type Stack } from "./harness.js";

export const pw = "S3cret-pw";
export const user = { name: "app", password: pw, databases: ["appdb"] };

/** How each engine is written to and read back in a way that compares whole contents. */
export const engines = {
  postgresql: {
    write: (i: Instance, from: number, to: number) =>
      psql(i.host, i.port, "app", pw, "appdb", `create table if not exists t (id int primary key, v text); insert into t select g, md5(g::text) from generate_series(${from}, ${to}) g`),
    digest: async (i: Instance) => (await psql(i.host, i.port, "app", pw, "appdb", "select count(*) || ' ' || md5(string_agg(id || ':' || v, ',' order by id)) from t")).stdout,
  },
  mariadb: {
    write: (i: Instance, from: number, to: number) =>
      mariadb(i.host, i.port, "app", pw, "appdb", `create table if not exists t (id int primary key, v varchar(64)); insert into t select seq, md5(seq) from seq_${from}_to_${to}`),
    digest: async (i: Instance) =>
      (await mariadb(i.host, i.port, "app", pw, "appdb", "set session group_concat_max_len = 16777216; select concat(count(*), ' ', md5(group_concat(id, ':', v order by id separator ','))) from t")).stdout,
  },
  redis: {
    write: (i: Instance, from: number, to: number) => {
      const pairs: string[] = [];
      for (let n = from; n <= to; n++) pairs.push(`k${n}`, `v${n}`);
      return redisCli(i.host, i.port, "app", pw, "MSET", ...pairs);
    },
    digest: async (i: Instance) => {
      const size = (await redisCli(i.host, i.port, "app", pw, "DBSIZE")).stdout;
      const keys = Array.from({ length: 1200 }, (_, n) => `k${n + 1}`);
      return `${size} ${(await redisCli(i.host, i.port, "app", pw, "MGET", ...keys)).stdout.split("\n").join(",")}`;
    },
  },
} as const;

export function failure(promise: Promise<unknown>): Promise<ConnectError | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
}

export async function waitBackup(stack: Stack, id: string): Promise<Backup> {
  const backups = serviceClient(BackupService, stack.url, stack.token);
  const done = await waitUntil(
    async () => {
      const { backup } = await backups.getBackup({ id });
      return backup?.state === BackupState.COMPLETED || backup?.state === BackupState.FAILED ? backup : undefined;
    },
    `backup ${id}`,
    120_000,
    200,
  );
  if (done.state !== BackupState.COMPLETED) throw new Error(`backup ${id} failed: ${done.fault}`);
  return done;
}
