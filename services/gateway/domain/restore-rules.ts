// Rules of a point-in-time restore request that depend on time and on the engine, checked before
// anything is written: restore_time needs a starting point (a backup, or an instance to take the
// newest backup of), a PostgreSQL datastore, and a moment that is not in the future and not
// before that backup completed.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { CreateInstanceRequest } from "../../../gen/proto/hoard/v1/instance_pb.js";
import { FailedPreconditionError, InvalidArgumentError } from "../../platform/errors.js";

/** Engines whose WAL is archived continuously, so a restore can stop at any moment. */
export const POINT_IN_TIME_ENGINES: ReadonlySet<string> = new Set(["postgresql"]);

/** The requested moment, or undefined for a plain restore; INVALID_ARGUMENT for a malformed request. */
export function requestedRestoreTime(req: CreateInstanceRequest, engine: string, now: Date): Date | undefined {
  if (!req.restoreTime) {
    if (req.restoreSourceInstance) throw new InvalidArgumentError("restore_source_instance", "is only used with restore_time");
    return undefined;
  }
  if (!POINT_IN_TIME_ENGINES.has(engine)) {
    throw new InvalidArgumentError("restore_time", `${engine} has no point-in-time restore; only ${[...POINT_IN_TIME_ENGINES].join(", ")} does`);
  }
  if (req.backup && req.restoreSourceInstance) {
    throw new InvalidArgumentError("restore_source_instance", "give either backup or restore_source_instance, not both");
  }
  if (!req.backup && !req.restoreSourceInstance) {
    throw new InvalidArgumentError("restore_time", "needs backup (the full backup to start from) or restore_source_instance");
  }
  const time = timestampDate(req.restoreTime);
  if (Number.isNaN(time.getTime())) throw new InvalidArgumentError("restore_time", "is not a valid time");
  if (time.getTime() > now.getTime()) {
    throw new InvalidArgumentError("restore_time", `${time.toISOString()} is in the future (now is ${now.toISOString()})`);
  }
  return time;
}

/** A backup can start a restore to `time` only if it completed before it, on an instance that archives its WAL. */
export function checkPointInTimeSource(
  backup: { name: string; completedAt: Date | null; instance: { name: string; walStorageKind: string | null } },
  time: Date,
): void {
  if (!backup.completedAt || backup.completedAt.getTime() >= time.getTime()) {
    const completed = backup.completedAt ? `completed at ${backup.completedAt.toISOString()}` : "has not completed";
    throw new FailedPreconditionError(`backup "${backup.name}" ${completed}; restore_time ${time.toISOString()} must be after that`);
  }
  if (!backup.instance.walStorageKind) {
    throw new FailedPreconditionError(`instance "${backup.instance.name}" of backup "${backup.name}" has no WAL archive; it can only be restored as the backup is`);
  }
}
