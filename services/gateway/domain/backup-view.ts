// Maps a stored backup, and a backup schedule, to their public shapes.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { BackupScheduleSchema, BackupSchema, BackupState, type Backup, type BackupSchedule } from "../../../gen/proto/hoard/v1/backup_pb.js";
import type { BackupScheduleRow } from "../store/backup-schedules.js";
import type { BackupRow } from "../store/backups.js";
import { backupProgress } from "./backup-progress.js";

const states: Record<string, BackupState> = {
  NEW: BackupState.NEW,
  BUILDING: BackupState.BUILDING,
  COMPLETED: BackupState.COMPLETED,
  FAILED: BackupState.FAILED,
  DELETING: BackupState.DELETING,
};

export function toBackupView(row: BackupRow): Backup {
  return create(BackupSchema, {
    id: row.id,
    name: row.name,
    description: row.description,
    instanceId: row.instanceId,
    datastore: row.instance.datastoreVersion.datastore.name,
    datastoreVersion: row.instance.datastoreVersion.name,
    state: states[row.state] ?? BackupState.UNSPECIFIED,
    sizeBytes: row.sizeBytes ?? 0n,
    storedBytes: row.storedBytes ?? 0n,
    storage: row.storageKind,
    volumeSizeGb: row.volumeSizeGb,
    fault: row.faultMessage ?? "",
    createdAt: timestampFromDate(row.createdAt),
    completedAt: row.completedAt ? timestampFromDate(row.completedAt) : undefined,
    kind: row.kind.toLowerCase(),
    scheduled: row.scheduled,
    parentId: row.parentId ?? "",
    ...backupProgress(row),
  });
}

export function toBackupScheduleView(row: BackupScheduleRow): BackupSchedule {
  return create(BackupScheduleSchema, {
    instanceId: row.instanceId,
    cron: row.cron,
    keepLast: row.keepLast ?? 0,
    keepDays: row.keepDays ?? 0,
    fullEvery: row.fullEvery ?? 0,
    nextRunAt: timestampFromDate(row.nextRunAt),
    lastRunAt: row.lastRunAt ? timestampFromDate(row.lastRunAt) : undefined,
    lastBackupId: row.lastBackupId ?? "",
    lastError: row.lastError ?? "",
    updatedAt: timestampFromDate(row.updatedAt),
  });
}
