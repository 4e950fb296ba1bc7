// The fake gateway's BackupService. Lifecycles are scripted by polls, as the instances' are: a new
// backup is NEW; its first GetBackup shows it BUILDING and its second COMPLETED (with sizes) or
// FAILED (with a fault), as the fake's backupOutcome says, or BUILDING for good when "stuck". While
// a backup is NEW or BUILDING its instance shows BACKUP. Also what CreateInstance checks of a backup
// it restores, as the real gateway: complete, of the same datastore version, fitting the volume.
// Backup schedules are kept per instance, their cron checked as the real gateway checks it; they
// never fire here (the taskmanager fires them; the e2e tests cover that).
import { create } from "@bufbuild/protobuf";
import { timestampFromDate, timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import {
  BackupScheduleSchema,
  BackupSchema,
  BackupService,
  BackupState,
  type Backup,
  type BackupSchedule,
} from "../../gen/proto/hoard/v1/backup_pb.js";
import { InstanceStatus, type Instance } from "../../gen/proto/hoard/v1/instance_pb.js";
import { cronProblem, nextCronRun } from "../../services/platform/cron.js";

/** How a backup ends; "progressing" completes after two more polls showing it BUILDING with progress (fakeBackupProgress). */
export type BackupOutcome = "completed" | "failed" | "stuck" | "progressing";

/** What the polls of a "progressing" backup show while BUILDING, one per poll after the first. */
export const fakeBackupProgress = [
  { progressBytes: 5_242_880n, estimatedBytes: 13_107_200n, progressPercent: 40 },
  { progressBytes: 10_485_760n, estimatedBytes: 13_107_200n, progressPercent: 80 },
];

/** What a completed backup of the fake measures: 12.3 MiB streamed, 4.2 MiB stored. */
export const fakeBackupSizes = { sizeBytes: 12_897_485n, storedBytes: 4_404_020n };

/** Why a failed backup of the fake failed. */
export const fakeBackupFault = "pg_basebackup exited with status 1: could not connect to server";

export interface FakeBackupDeps {
  record(method: string, request: unknown, ctx: HandlerContext): void;
  /** The instance by id or name, or NOT_FOUND; a backup changes its status while it is taken. */
  instance(id: string): Instance;
  /** Every instance of the fake (one deleted while backed up is no longer there). */
  instances(): Instance[];
  /** Outcome of the next backups. */
  outcome(): BackupOutcome;
}

/** The backups, and the check a restore makes. */
export interface FakeBackups {
  /** Oldest first. */
  backups: Backup[];
  /** Backup schedules by instance id. */
  schedules: Map<string, BackupSchedule>;
  /** A backup by id or name; NOT_FOUND otherwise. */
  find(ref: string): Backup;
  /** The backup a CreateInstance restores, or FAILED_PRECONDITION/INVALID_ARGUMENT saying why it cannot. */
  restorable(ref: string, target: { datastore: string; datastoreVersion: string; volumeSizeGb: number; guestItems: number }): Backup;
}

interface Entry {
  backup: Backup;
  polls: number;
  outcome: BackupOutcome;
  /** Where the instance returns once the backup is over. */
  instanceStatus: InstanceStatus;
}

export function registerFakeBackupService(router: ConnectRouter, deps: FakeBackupDeps): FakeBackups {
  const entries: Entry[] = [];
  const schedules = new Map<string, BackupSchedule>();
  let created = 0;
  const entry = (ref: string): Entry => {
    const found = entries.find((e) => e.backup.id === ref || e.backup.name === ref);
    if (found === undefined) throw new ConnectError(`backup "${ref}" not found`, Code.NotFound);
    return found;
  };
  const finish = (e: Entry, state: BackupState): void => {
    const instance = deps.instances().find((i) => i.id === e.backup.instanceId);
    if (instance?.status === InstanceStatus.BACKUP) Object.assign(instance, { status: e.instanceStatus, updatedAt: timestampNow() });
    Object.assign(e.backup, { state, completedAt: timestampNow() });
    if (state === BackupState.COMPLETED) Object.assign(e.backup, fakeBackupSizes, { progressBytes: fakeBackupSizes.sizeBytes, progressPercent: 100 });
    else e.backup.fault = fakeBackupFault;
  };

  router.service(BackupService, {
    createBackup(req, ctx) {
      deps.record("CreateBackup", req, ctx);
      const instance = deps.instance(req.instance);
      if (instance.status !== InstanceStatus.ACTIVE && instance.status !== InstanceStatus.RESTART_REQUIRED) {
        throw new ConnectError(`instance "${instance.name}" is ${InstanceStatus[instance.status]}; try again when it is ACTIVE`, Code.FailedPrecondition);
      }
      if (entries.some((e) => e.backup.name === req.name)) throw new ConnectError(`backup "${req.name}" already exists`, Code.AlreadyExists);
      const backup = create(BackupSchema, {
        id: `bk-${++created}`,
        name: req.name,
        description: req.description,
        instanceId: instance.id,
        datastore: instance.datastore,
        datastoreVersion: instance.datastoreVersion,
        state: BackupState.NEW,
        storage: "file",
        volumeSizeGb: instance.volume?.sizeGb ?? 0,
        createdAt: timestampNow(),
        kind: req.incremental ? "incremental" : "full",
        parentId: req.incremental ? (entries.find((e) => e.backup.name === req.parent || e.backup.id === req.parent)?.backup.id ?? "") : "",
      });
      entries.push({ backup, polls: 0, outcome: deps.outcome(), instanceStatus: instance.status });
      Object.assign(instance, { status: InstanceStatus.BACKUP, updatedAt: timestampNow() });
      return { backup };
    },
    getBackup(req, ctx) {
      deps.record("GetBackup", req, ctx);
      const e = entry(req.id);
      e.polls++;
      const taking = e.backup.state === BackupState.NEW || e.backup.state === BackupState.BUILDING;
      const step = fakeBackupProgress[e.polls - 2];
      if (taking && e.polls === 1) e.backup.state = BackupState.BUILDING;
      else if (taking && e.outcome === "progressing" && step !== undefined) Object.assign(e.backup, step);
      else if (taking && e.outcome !== "stuck") finish(e, e.outcome === "completed" || e.outcome === "progressing" ? BackupState.COMPLETED : BackupState.FAILED);
      return { backup: e.backup };
    },
    listBackups(req, ctx) {
      deps.record("ListBackups", req, ctx);
      const instanceId = req.instance === "" ? undefined : deps.instance(req.instance).id;
      return { backups: entries.filter((e) => instanceId === undefined || e.backup.instanceId === instanceId).map((e) => e.backup).reverse() };
    },
    deleteBackup(req, ctx) {
      deps.record("DeleteBackup", req, ctx);
      const e = entry(req.id);
      if (e.backup.state === BackupState.NEW || e.backup.state === BackupState.BUILDING) {
        throw new ConnectError("the backup is still being taken; delete it when it is done", Code.FailedPrecondition);
      }
      const children = entries.filter((c) => c.backup.parentId === e.backup.id);
      if (children.length > 0 && !req.cascade) {
        throw new ConnectError(`backup "${e.backup.name}" has ${children.length} incremental backup built on it; delete with cascade to delete them too`, Code.FailedPrecondition);
      }
      for (const gone of [...children, e]) entries.splice(entries.indexOf(gone), 1);
      return {};
    },
    setBackupSchedule(req, ctx) {
      deps.record("SetBackupSchedule", req, ctx);
      const instance = deps.instance(req.instance);
      const problem = cronProblem(req.cron);
      if (problem) throw new ConnectError(`cron: ${problem}`, Code.InvalidArgument);
      const schedule = create(BackupScheduleSchema, {
        instanceId: instance.id,
        cron: req.cron,
        keepLast: req.keepLast,
        keepDays: req.keepDays,
        fullEvery: req.fullEvery,
        nextRunAt: timestampFromDate(nextCronRun(req.cron, new Date())),
        updatedAt: timestampNow(),
      });
      schedules.set(instance.id, schedule);
      return { schedule };
    },
    getBackupSchedule(req, ctx) {
      deps.record("GetBackupSchedule", req, ctx);
      const schedule = schedules.get(deps.instance(req.instance).id);
      if (!schedule) throw new ConnectError(`backup schedule of instance "${req.instance}" not found`, Code.NotFound);
      return { schedule };
    },
    clearBackupSchedule(req, ctx) {
      deps.record("ClearBackupSchedule", req, ctx);
      schedules.delete(deps.instance(req.instance).id);
      return {};
    },
  });

  return {
    get backups() {
      return entries.map((e) => e.backup);
    },
    schedules,
    find: (ref) => entry(ref).backup,
    restorable(ref, target) {
      const backup = entry(ref).backup;
      if (target.guestItems > 0) {
        throw new ConnectError("databases: a restored instance gets its databases and users from the backup; give none", Code.InvalidArgument);
      }
      if (backup.state !== BackupState.COMPLETED) {
        throw new ConnectError(`backup "${backup.name}" is ${BackupState[backup.state]}, not COMPLETED`, Code.FailedPrecondition);
      }
      if (backup.datastore !== target.datastore || backup.datastoreVersion !== target.datastoreVersion) {
        throw new ConnectError(
          `backup "${backup.name}" is of ${backup.datastore} ${backup.datastoreVersion}; it cannot be restored onto ${target.datastore} ${target.datastoreVersion}`,
          Code.FailedPrecondition,
        );
      }
      if (target.volumeSizeGb < backup.volumeSizeGb) {
        throw new ConnectError(`backup "${backup.name}" came from a ${backup.volumeSizeGb} GB volume; ask for at least that much`, Code.FailedPrecondition);
      }
      return backup;
    },
  };
}
