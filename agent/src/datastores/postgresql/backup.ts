// Backups of a running PostgreSQL: pg_basebackup over the unix socket as the superuser (peer
// authentication on the `local replication` line of pg_hba.conf), one tar on stdout with the WAL
// that makes it consistent (-X fetch; streaming the WAL needs a directory, not stdout). The WAL is
// fetched at the end, so a busy server could recycle a segment the backup still needs: a
// temporary replication slot, held by an agent session for as long as the copy runs, keeps it
// (and vanishes with the session should the agent die). Tablespaces would need one tar each;
// Hoard never creates any (CREATE TABLESPACE needs the superuser), and the backup refuses them.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import pg from "pg";
import { createBackupStream } from "../common/backup-stream.js";
import { writeOwnedFile } from "../common/owned-file.js";
import { toolOutput } from "../common/tool-stream.js";
import { DatastoreEngineError, DatastorePreconditionError } from "../errors.js";
import type { BackupFacts, BackupStream } from "../manager.js";
import { adminClientConfig } from "./admin.js";
import { readAgentState } from "./agent-state.js";
import { reloadServer } from "./app.js";
import type { InstanceContext } from "./context.js";
import { renderHba } from "./hba.js";
import { ADMIN_ROLE } from "./paths.js";
import { inspectPostmaster } from "./postmaster.js";

const EXTRA_TABLESPACES = "SELECT spcname FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global') ORDER BY 1";
const RESERVE_WAL = "SELECT pg_create_physical_replication_slot($1, true, true)";

/**
 * Starts a full backup of the running server; see DatastoreBackups.backup. Resolves once the copy
 * has begun; the caller may release the manager's queue then, the copy runs on by itself.
 */
export async function backupServer(ctx: InstanceContext, signal: AbortSignal): Promise<BackupStream> {
  signal.throwIfAborted();
  const state = await inspectPostmaster(ctx.paths);
  if (state.kind !== "alive" || state.status !== "ready") {
    throw new DatastorePreconditionError("instance is not ready: a backup needs a running PostgreSQL that accepts connections");
  }
  await allowReplication(ctx, signal);
  const session = await openSlotSession(ctx);
  return createBackupStream(copy(ctx, session, signal));
}

/** The session that holds the backup's WAL, and what it found out. */
interface SlotSession {
  client: pg.Client;
  engineVersion: string;
}

/** Runs pg_basebackup, yields its tar, and returns the facts its verbose output gives; the slot goes with the session. */
async function* copy(ctx: InstanceContext, session: SlotSession, signal: AbortSignal): AsyncGenerator<Buffer, BackupFacts, undefined> {
  const { layout, paths } = ctx;
  const began = performance.now();
  try {
    const args = [
      "--pgdata=-",
      "--format=tar",
      "--wal-method=fetch",
      "--checkpoint=fast", // start now, not after a spread checkpoint
      "--verbose", // prints the WAL start and end points
      "--no-password",
      `--host=${layout.runDir}`,
      `--port=${layout.port}`,
      `--username=${ADMIN_ROLE}`,
      `--label=hoard ${layout.instanceId}`,
    ];
    const stderr = yield* toolOutput(paths.bin("pg_basebackup"), args, { account: ctx.switchTo, signal, label: "pg_basebackup" });
    const details = walPoints(stderr);
    ctx.logger.info({ ms: Math.round(performance.now() - began), ...details }, "postgresql backup taken");
    return { format: "pg-tar", engineVersion: session.engineVersion, details };
  } finally {
    await session.client.end().catch(() => {});
  }
}

/** "write-ahead log start point: 0/2000028 on timeline 1", "write-ahead log end point: 0/2000100". */
function walPoints(stderr: string): Record<string, string> {
  const start = /write-ahead log start point: ([0-9A-F]+\/[0-9A-F]+) on timeline (\d+)/.exec(stderr);
  const end = /write-ahead log end point: ([0-9A-F]+\/[0-9A-F]+)/.exec(stderr);
  if (!start?.[1] || !start[2] || !end?.[1]) {
    throw new DatastoreEngineError("pg_basebackup did not report the backup's WAL start and end points", stderr.slice(-2000));
  }
  return { startLsn: start[1], endLsn: end[1], timeline: start[2] };
}

/**
 * Instances prepared before backups existed lack pg_hba.conf's replication line: write the file
 * afresh from the recorded settings and reload, so their first backup works without a configure.
 * (The caller holds the manager's queue, so no configure writes the file meanwhile.)
 */
async function allowReplication(ctx: InstanceContext, signal: AbortSignal): Promise<void> {
  const current = await readFile(ctx.paths.hbaConf, "utf8").catch(() => "");
  if (/^local\s+replication\s/m.test(current)) return;
  const { settings } = await readAgentState(ctx);
  if (!settings) return; // nothing to render from; pg_basebackup names a missing line clearly
  if (await writeOwnedFile(ctx.paths.hbaConf, renderHba(settings.allowedCidrs), ctx.switchTo)) await reloadServer(ctx, signal);
}

/** Connects as the superuser, refuses extra tablespaces, reserves WAL with a temporary slot. */
async function openSlotSession(ctx: InstanceContext): Promise<SlotSession> {
  const client = new pg.Client(adminClientConfig(ctx, "postgres", 30_000));
  client.on("error", () => {}); // a dropped session shows as the backup's own failure, or not at all
  try {
    await client.connect().catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      throw new DatastorePreconditionError(`instance is not ready: PostgreSQL is not accepting connections (${message})`, { cause: err });
    });
    const extra = (await client.query<{ spcname: string }>(EXTRA_TABLESPACES)).rows.map((row) => row.spcname);
    if (extra.length > 0) {
      throw new DatastorePreconditionError(`cannot back up tablespaces outside the data directory (${extra.join(", ")}): drop them first`);
    }
    const version = await client.query<{ server_version: string }>("SHOW server_version");
    await client.query("SET idle_session_timeout = 0"); // a configuration group's timeout must not end the session mid-copy
    await client.query(RESERVE_WAL, [`hoard_backup_${randomBytes(6).toString("hex")}`]);
    return { client, engineVersion: version.rows[0]?.server_version ?? "" };
  } catch (err) {
    await client.end().catch(() => {});
    if (err instanceof DatastorePreconditionError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new DatastoreEngineError(`preparing the backup failed: ${message}`, "", { cause: err });
  }
}
