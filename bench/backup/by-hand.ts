// Backup and restore of one PostgreSQL instance by hand, the way an operator on the host would:
// as the server's OS account over the instance's unix socket (Hoard's roles have no REPLICATION
// right; the socket's peer map lets that account act as the superuser, which is also how the agent
// runs pg_basebackup), piped through gzip at its default level into a file. The restore extracts
// the file into an empty directory and starts a server on it, timed until it answers `select 1`.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { HostInstance } from "./host-instance.js";

/** A scratch directory the server's account owns; removed by its `remove`. */
export function scratchDir(account: HostInstance["account"]): { dir: string; remove(): void } {
  // Short: the restored server's socket lives here, and socket paths stop at 107 bytes.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bk-"));
  fs.chownSync(dir, account.uid, account.gid);
  fs.chmodSync(dir, 0o700);
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs a bash pipeline as the server's account; `vars` reach it as environment variables, never
 * spliced into the text. stdin is /dev/null: on a socket (node's default) bash would take itself
 * for an ssh session and read /etc/bash.bashrc.
 */
function asServer(instance: HostInstance, script: string, vars: Record<string, string>, cwd: string): Promise<void> {
  const { uid, gid } = instance.account;
  const env = { PATH: `${instance.binDir}:/usr/bin:/bin`, HOME: cwd, LC_ALL: "C.UTF-8", ...vars };
  const child = spawn("bash", ["-o", "pipefail", "-euc", script], { uid, gid, env, cwd, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => void (stderr = (stderr + text).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`by-hand step failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}

/** What one by-hand backup took and wrote. */
export interface HandBackup {
  ms: number;
  file: string;
  storedBytes: number;
}

/**
 * `pg_basebackup -D - -Ft -X fetch | gzip > file`, timed from the start to gzip's exit.
 * `--checkpoint=fast` as the agent's: both start at once rather than after a spread checkpoint.
 */
export async function backupByHand(instance: HostInstance, dir: string): Promise<HandBackup> {
  const file = path.join(dir, "base.tar.gz");
  const started = performance.now();
  await asServer(
    instance,
    'pg_basebackup -D - -Ft -X fetch --checkpoint=fast -h "$SOCKET_DIR" -p "$PORT" -U postgres --no-password | gzip > "$FILE"',
    { SOCKET_DIR: instance.runDir, PORT: String(instance.port), FILE: file },
    dir,
  );
  const ms = performance.now() - started;
  return { ms, file, storedBytes: fs.statSync(file).size };
}

/** What one by-hand restore took, in its two parts. */
export interface HandRestore {
  ms: number;
  /** gzip -dc | tar -x and the permissions. */
  extractMs: number;
  /** pg_ctl start -w (the WAL replay) and the first answer. */
  startMs: number;
}

/**
 * Into an empty directory: `gzip -dc file | tar -x`, mode 0700 (the account extracts, so the
 * owner is right already), `pg_ctl start -w` on a socket of its own, timed until `select 1`
 * answers. The copy's own hoard.conf names the source's socket, address and log directory: the
 * command line overrides them, so the copy never touches the source. Stopped and removed after.
 */
export async function restoreByHand(instance: HostInstance, backupFile: string, port: number): Promise<HandRestore> {
  const scratch = scratchDir(instance.account);
  const data = path.join(scratch.dir, "data");
  const options = `-p ${port} -k ${scratch.dir} -c listen_addresses='' -c logging_collector=off`;
  const vars = { DATA: data, FILE: backupFile, LOG: path.join(scratch.dir, "server.log"), OPTIONS: options };
  const tearDown = async () => {
    if (fs.existsSync(path.join(data, "postmaster.pid"))) {
      await asServer(instance, 'pg_ctl -D "$DATA" -m immediate -w -s stop', vars, scratch.dir).catch(() => undefined);
    }
    scratch.remove();
  };
  running.set(data, tearDown);
  const started = performance.now();
  try {
    await asServer(instance, 'mkdir -m 0700 "$DATA"; gzip -dc "$FILE" | tar -x -C "$DATA"; chmod 0700 "$DATA"', vars, scratch.dir);
    const extracted = performance.now();
    await asServer(instance, 'pg_ctl -D "$DATA" -l "$LOG" -o "$OPTIONS" -w -s -t 600 start', vars, scratch.dir);
    await selectOne(scratch.dir, port, Date.now() + 60_000);
    const done = performance.now();
    return { ms: done - started, extractMs: extracted - started, startMs: done - extracted };
  } finally {
    running.delete(data);
    await tearDown();
  }
}

/** Restored servers still running, by data directory, with what stops and removes each. */
const running = new Map<string, () => Promise<void>>();

/** Stops and removes every by-hand server a restore left running (the bench was interrupted mid-restore). */
export async function tearDownByHand(): Promise<void> {
  const all = [...running.values()];
  running.clear();
  await Promise.all(all.map((tearDown) => tearDown()));
}

/** The first `select 1` over the socket, as the superuser (the bench runs as root, which the peer map lets in). */
async function selectOne(socketDir: string, port: number, deadline: number): Promise<void> {
  for (;;) {
    const client = new pg.Client({ host: socketDir, port, user: "postgres", database: "postgres", connectionTimeoutMillis: 1000 });
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
