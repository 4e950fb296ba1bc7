// The WAL archive's RPC side: Prepare and Restore hand the agent its archive (wal-archive.ts),
// FlushWal makes sure everything the server wrote so far is in it, and a point-in-time Restore
// reads the source instance's archive.
import { setTimeout as sleep } from "node:timers/promises";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { NatsConnection } from "@nats-io/transport-node";
import type { GuestAgentService, RecoveryTarget as RecoveryTargetMessage, WalArchive } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { readBackupObject } from "../../../services/platform/backup/index.js";
import { DeadlineExceededError, FailedPreconditionError, InvalidArgumentError } from "../../../services/platform/errors.js";
import type { BackupStorage } from "../../../services/platform/backup/index.js";
import type { ArchivedWal, RecoverySpec, SwitchedSegment } from "../datastores/manager.js";
import type { Lifecycle } from "../lifecycle.js";
import { openWalStorage, walArchiveOf, type WalArchiveFile, type WalArchiveRef } from "../wal-archive.js";
import type { WalShipper } from "../wal-shipper.js";

/** The agent's WAL archive plumbing; absent in agents (and tests) that do not ship WAL. */
export interface AgentWal {
  file: WalArchiveFile;
  /** Undefined for engines without a WAL. */
  shipper: WalShipper | undefined;
}

const POLL_MS = 100;

/** Records the instance's archive and has the engine keep its WAL from now on (before its server first starts). */
export async function adoptWalArchive(wal: AgentWal | undefined, lifecycle: Lifecycle, message: WalArchive | undefined): Promise<void> {
  if (!message) return;
  if (!wal) throw new FailedPreconditionError("this agent does not archive WAL");
  await wal.file.save(walArchiveOf(message, "wal_archive"));
  await lifecycle.enableWalArchiving();
}

/** The RestoreRequest's recovery target as the manager takes it: the source's archived files and how to read them. */
export async function recoverySpecOf(message: RecoveryTargetMessage, nc: NatsConnection | undefined): Promise<RecoverySpec> {
  if (!message.sourceWal) throw new InvalidArgumentError("recovery_target.source_wal", "must name the source's WAL archive");
  const source = walArchiveOf(message.sourceWal, "recovery_target.source_wal");
  if (message.target.case !== "time") throw new InvalidArgumentError("recovery_target.target", "must be set");
  const time = timestampDate(message.target.value);
  const reader = await archiveReader(await openWalStorage(source, nc), source);
  return { walFiles: reader.files, openWal: reader.open, target: { kind: "time", time } };
}

/** The names of an archive's files (sorted, as storage lists them) and how to read one. */
async function archiveReader(storage: BackupStorage, archive: WalArchiveRef): Promise<Omit<ArchivedWal, "switched">> {
  return {
    files: (await storage.list(archive.prefix)).map((key) => key.slice(archive.prefix.length)),
    open: (name, signal) => readBackupObject({ storage, key: `${archive.prefix}${name}`, expectedSha256: undefined, dataKey: archive.dataKey, signal }),
  };
}

/** The instance's own archive once flushed, as an incremental backup made of archived WAL reads it. */
export async function archivedWalOf(flushed: FlushedArchive): Promise<ArchivedWal> {
  return { switched: flushed.switched, ...(await archiveReader(flushed.storage, flushed.archive)) };
}

/** What flushArchive leaves: the switch, and the archive that holds the switched file now. */
export interface FlushedArchive {
  switched: SwitchedSegment;
  archive: WalArchiveRef;
  storage: BackupStorage;
}

/**
 * Commits, switches to a new WAL file and waits until the switched file is in the instance's
 * archive (FlushWal, and an incremental backup made of archived WAL); the signal bounds the wait.
 */
export async function flushArchive(lifecycle: Lifecycle, wal: AgentWal | undefined, nc: NatsConnection | undefined, signal: AbortSignal): Promise<FlushedArchive> {
  const archive = await wal?.file.load();
  const shipper = wal?.shipper;
  if (!archive || !shipper) throw new FailedPreconditionError("this instance has no WAL archive");
  const switched = await lifecycle.switchWal(signal);
  const storage = await openWalStorage(archive, nc);
  const key = `${archive.prefix}${switched.segment}`;
  let lastError: unknown;
  // The server's archiver copies the switched file into the spool on its own time; each round
  // ships whatever is there, until the file is in the archive.
  for (;;) {
    await shipper.shipNow().then(
      () => (lastError = undefined),
      (err: unknown) => (lastError = err),
    );
    if (await storage.exists(key)) return { switched, archive, storage };
    if (signal.aborted) break;
    await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  const why = lastError instanceof Error ? `: ${lastError.message}` : "";
  throw new DeadlineExceededError(`WAL file ${switched.segment} is not in the archive yet${why}`);
}

type WalHandlers = Pick<ServiceImpl<typeof GuestAgentService>, "flushWal">;

export function walHandlers(lifecycle: Lifecycle, wal: AgentWal | undefined, nc: NatsConnection | undefined): WalHandlers {
  return {
    async flushWal(_req, ctx) {
      const { switched } = await flushArchive(lifecycle, wal, nc, ctx.signal);
      return { lastSegment: switched.segment, switchLsn: switched.lsn };
    },
  };
}
