// Incremental backups of PostgreSQL, as Trove takes them: the WAL the server wrote since the
// parent. The agent has just switched WAL files and seen the switched one archived (handlers/wal.ts
// flushArchive); the increment is one tar of the archived files, read with the archive's key and
// stored as the backup's own object under the backup's key, so it outlives an archive pruned
// later. Each increment holds the WAL since its parent's end: for a full parent from the segment
// its base backup started in (backup_label's), for an incremental parent from the segment after
// its last one; every timeline history rides along. A manifest (hoard-wal.json) comes last: what
// the tar holds, and stopLsn, the position after the switch's commit, to which a restore replays.
import { DatastoreBackupStreamError, DatastoreEngineError, DatastorePreconditionError } from "../errors.js";
import { createBackupStream } from "../common/backup-stream.js";
import { tarHeader } from "../common/tar-archive.js";
import type { ArchivedWal, BackupFacts, BackupParent, BackupStream } from "../manager.js";
import { withAdminSession } from "./admin.js";
import type { InstanceContext } from "./context.js";

/** The tar's last member. */
export const WAL_MANIFEST = "hoard-wal.json";

/** What an increment's manifest says. */
export interface WalManifest {
  engine: "postgresql";
  /** Bytes per WAL segment, for telling consecutive segment names apart. */
  segmentSize: number;
  /** First and last segment of the increment. */
  fromSegment: string;
  toSegment: string;
  /** Where replay of this increment stops. */
  stopLsn: string;
  files: string[];
}

const SEGMENT = /^[0-9A-F]{24}$/;
const HISTORY = /^[0-9A-F]{8}\.history$/;
const LSN = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/;
const BLOCK = 512;
const SERVER_FACTS = "SELECT current_setting('server_version') AS version, (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size')::text AS size";

/** Starts an incremental backup on `parent`; see DatastoreBackups.backup. */
export async function incrementalBackup(ctx: InstanceContext, signal: AbortSignal, parent: BackupParent): Promise<BackupStream> {
  signal.throwIfAborted();
  const wal = parent.wal;
  if (!wal) throw new DatastorePreconditionError("an incremental PostgreSQL backup is made of archived WAL, and this instance has no WAL archive");
  const facts = await withAdminSession(ctx, "postgres", signal, async (client) => (await client.query<{ version: string; size: string }>(SERVER_FACTS)).rows[0]);
  const segmentSize = Number(facts?.size);
  if (!facts || !Number.isInteger(segmentSize) || segmentSize <= 0) throw new DatastoreEngineError("PostgreSQL did not report its WAL segment size");
  const timeline = wal.switched.segment.slice(0, 8);
  const from = firstIndex(parent.details, segmentSize);
  const to = segmentIndex(wal.switched.segment, segmentSize);
  if (to < from) throw new DatastorePreconditionError("the parent backup ends after the WAL archived now: take a full backup");
  const segments = [...wal.files].sort().filter((name) => SEGMENT.test(name) && name.startsWith(timeline)).filter((name) => {
    const index = segmentIndex(name, segmentSize);
    return index >= from && index <= to;
  });
  for (let index = from, n = 0; index <= to; index++, n++) {
    const wanted = segmentName(timeline, index, segmentSize);
    if (segments[n] !== wanted) {
      throw new DatastorePreconditionError(`the WAL archive lacks ${wanted}, which the increment since the parent backup needs: take a full backup`);
    }
  }
  const manifest: WalManifest = {
    engine: "postgresql",
    segmentSize,
    fromSegment: segmentName(timeline, from, segmentSize),
    toSegment: wal.switched.segment,
    stopLsn: wal.switched.stopLsn,
    files: [...wal.files.filter((name) => HISTORY.test(name)), ...segments],
  };
  return createBackupStream(copy(ctx, wal, manifest, facts.version, signal));
}

/** Yields the tar of the manifest's files, then the manifest; returns the increment's facts. */
async function* copy(ctx: InstanceContext, wal: ArchivedWal, manifest: WalManifest, engineVersion: string, signal: AbortSignal): AsyncGenerator<Buffer, BackupFacts, undefined> {
  const began = performance.now();
  const now = Math.floor(Date.now() / 1000);
  for (const name of manifest.files) {
    // A tar header holds the size, which a decrypting stream does not know up front: one WAL file
    // (16 MiB by default) is held in memory at a time.
    const chunks: Buffer[] = [];
    for await (const chunk of await wal.open(name, signal)) chunks.push(chunk as Buffer);
    yield* member(name, Buffer.concat(chunks), now);
  }
  yield* member(WAL_MANIFEST, Buffer.from(`${JSON.stringify(manifest)}\n`), now);
  yield Buffer.alloc(2 * BLOCK);
  const details = {
    kind: "wal",
    fromSegment: manifest.fromSegment,
    stopSegment: manifest.toSegment,
    stopLsn: manifest.stopLsn,
    timeline: String(parseInt(manifest.toSegment.slice(0, 8), 16)),
  };
  ctx.logger.info({ ms: Math.round(performance.now() - began), files: manifest.files.length, ...details }, "postgresql incremental backup taken");
  return { format: "pg-tar", engineVersion, details };
}

function* member(name: string, data: Buffer, mtime: number): Generator<Buffer, void, undefined> {
  yield tarHeader(name, data.length, mtime);
  yield data;
  const padding = (BLOCK - (data.length % BLOCK)) % BLOCK;
  if (padding > 0) yield Buffer.alloc(padding);
}

/** The index of the first segment an increment on `parent` holds: after an incremental parent's last, or a full parent's first. */
function firstIndex(details: Record<string, string>, segmentSize: number): number {
  const stopSegment = details.stopSegment ?? "";
  if (SEGMENT.test(stopSegment)) return segmentIndex(stopSegment, segmentSize) + 1;
  const start = LSN.exec(details.startLsn ?? "");
  if (!start?.[1] || !start[2]) throw new DatastorePreconditionError("the parent backup records no WAL position to start an incremental backup from (startLsn); take a full backup");
  return Math.floor((parseInt(start[1], 16) * 2 ** 32 + parseInt(start[2], 16)) / segmentSize);
}

/** A segment's position in the WAL, counting segments from the start (the timeline left out). */
export function segmentIndex(name: string, segmentSize: number): number {
  return parseInt(name.slice(8, 16), 16) * (2 ** 32 / segmentSize) + parseInt(name.slice(16, 24), 16);
}

/** The name of the segment at `index` on `timeline` (8 hex digits). */
export function segmentName(timeline: string, index: number, segmentSize: number): string {
  const perLog = 2 ** 32 / segmentSize;
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");
  return `${timeline}${hex(Math.floor(index / perLog))}${hex(index % perLog)}`;
}

/** Reads and checks an extracted increment's manifest; `what` names the increment. */
export function parseManifest(text: string | undefined, what: string): WalManifest {
  if (text === undefined) throw new DatastoreBackupStreamError(`${what} holds no complete PostgreSQL incremental backup (its manifest is missing)`);
  const manifest = JSON.parse(text) as Partial<WalManifest>;
  if (manifest.engine !== "postgresql" || !manifest.stopLsn || !manifest.fromSegment || !manifest.toSegment || !manifest.segmentSize || !Array.isArray(manifest.files)) {
    throw new DatastoreBackupStreamError(`${what} is not a PostgreSQL incremental backup`);
  }
  return manifest as WalManifest;
}
