// hoard.v1.InstanceService: protobuf in, protobuf out. Lookups and writes go through the stores;
// long work is handed to the taskmanager as a durable task.
import { randomBytes } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { InstanceService } from "../../../gen/proto/hoard/v1/instance_pb.js";
import { chainRestoreProblem } from "../../platform/backup-chain.js";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../../platform/errors.js";
import type { SecretBox } from "../../platform/secrets.js";
import { actionPayload, sealPayload, taskDeadlinesMs } from "../../platform/task-payload.js";
import type { AgentClients } from "../agents.js";
import type { BackupStorageRef } from "../../platform/backup-settings.js";
import { checkCreateRules } from "../domain/create-rules.js";
import { checkPointInTimeSource, POINT_IN_TIME_ENGINES, requestedRestoreTime } from "../domain/restore-rules.js";
import { checkedCidrs } from "../domain/instance-settings.js";
import { parseCidrs, toInstanceView } from "../domain/instance-view.js";
import type { CatalogueStore } from "../store/catalogue.js";
import type { BackupStore } from "../store/backups.js";
import type { ConfigurationStore } from "../store/configurations.js";
import type { InstanceGrowth, InstanceRow, InstanceStore, InstanceUpdate, NewTask } from "../store/instances.js";
import { instanceInspectionHandlers } from "./instance-inspection.js";
import { loadInstance, projectOf, requestIdOf } from "./scope.js";
import { findUsableVersion } from "./version-lookup.js";

export interface InstanceHandlerDeps {
  instances: InstanceStore;
  catalogue: CatalogueStore;
  configurations: ConfigurationStore;
  backups: BackupStore;
  agents: AgentClients;
  secrets: SecretBox;
  /** Wakes a taskmanager; tasks are durable rows, so a failed wake-up only delays them. */
  submitTask: (taskId: string) => void;
  maxVolumeGb: number;
  /** Where new instances' WAL archives go (the backup storage of the moment). */
  backupStorage: BackupStorageRef;
}

const defaultPageSize = 50;

export function registerInstanceService(router: ConnectRouter, deps: InstanceHandlerDeps): void {
  const { instances, catalogue, configurations } = deps;

  const load = (ctx: HandlerContext, idOrName: string) => loadInstance(instances, ctx, idOrName);

  function task(ctx: HandlerContext, kind: NewTask["kind"], payload: string): NewTask {
    return {
      kind,
      payload,
      requestId: requestIdOf(ctx),
      deadlineAt: new Date(Date.now() + taskDeadlinesMs[kind]),
    };
  }

  /**
   * Hands an action on an idle instance to the taskmanager; FAILED_PRECONDITION while another runs,
   * RESOURCE_EXHAUSTED when `grow` does not fit the project's quotas.
   */
  async function action(ctx: HandlerContext, idOrName: string | InstanceRow, taskStatus: string, kind: NewTask["kind"], payload = "", grow?: Omit<InstanceGrowth, "projectId">) {
    const row = typeof idOrName === "string" ? await load(ctx, idOrName) : idOrName;
    const started = await instances.startTask(row.id, taskStatus, task(ctx, kind, payload), [], grow ? { ...grow, projectId: row.projectId } : undefined);
    deps.submitTask(started.taskId);
    return toInstanceView(started.instance);
  }

  /**
   * The backup a create restores from: the caller's, complete, of this version, fitting the volume;
   * for a point-in-time restore one that completed before the moment (the newest such of
   * restore_source_instance when no backup is named), of an instance that archives its WAL.
   */
  async function restorableBackup(
    ctx: HandlerContext,
    req: { backup: string; restoreSourceInstance: string; volumeSizeGb: number; databases: unknown[]; users: unknown[] },
    version: { id: string; name: string; datastore: { name: string } },
    restoreTime: Date | undefined,
  ) {
    const backup = req.backup
      ? await deps.backups.find(projectOf(ctx), req.backup)
      : await deps.backups.newestFullBefore(projectOf(ctx), req.restoreSourceInstance, restoreTime ?? new Date());
    if (!backup && req.backup) throw new NotFoundError("backup", req.backup);
    if (!backup) {
      throw new FailedPreconditionError(`instance "${req.restoreSourceInstance}" has no completed backup from before ${restoreTime?.toISOString() ?? "now"}`);
    }
    if (restoreTime) checkPointInTimeSource(backup, restoreTime);
    if (req.databases.length > 0 || req.users.length > 0) {
      throw new InvalidArgumentError("databases", "a restored instance gets its databases and users from the backup; give none");
    }
    // An incremental backup restores through its whole chain: every backup in it must be complete.
    const problem = chainRestoreProblem(await deps.backups.chain(backup.id));
    if (problem) throw new FailedPreconditionError(problem);
    if (backup.datastoreVersionId !== version.id) {
      const from = backup.instance.datastoreVersion;
      throw new FailedPreconditionError(
        `backup "${backup.name}" is of ${from.datastore.name} ${from.name}; it cannot be restored onto ${version.datastore.name} ${version.name}`,
      );
    }
    if (req.volumeSizeGb < backup.volumeSizeGb) {
      throw new FailedPreconditionError(`backup "${backup.name}" came from a ${backup.volumeSizeGb} GB volume; ask for at least that much`);
    }
    return backup;
  }

  /** A configuration group of the caller's project made for `versionId`. */
  async function groupFor(ctx: HandlerContext, idOrName: string, versionId: string, field: string) {
    const group = await configurations.find(projectOf(ctx), idOrName);
    if (!group) throw new NotFoundError("configuration", idOrName);
    if (group.datastoreVersionId !== versionId) {
      const { datastore, name } = group.datastoreVersion;
      throw new InvalidArgumentError(field, `configuration "${group.name}" is for ${datastore.name} ${name}, not this instance's datastore version`);
    }
    return group;
  }

  router.service(InstanceService, {
    async createInstance(req, ctx) {
      const flavor = await catalogue.findFlavor(req.flavor);
      if (!flavor) throw new NotFoundError("flavor", req.flavor);
      const { version } = await findUsableVersion(catalogue, req.datastore, req.datastoreVersion);
      checkCreateRules(req, version.manager, deps.maxVolumeGb);
      const allowedCidrs = checkedCidrs("allowed_cidrs", req.allowedCidrs, version.manager);
      const group = req.configuration ? await groupFor(ctx, req.configuration, version.id, "configuration") : undefined;
      const restoreTime = requestedRestoreTime(req, version.manager, new Date());
      const source = req.backup || restoreTime ? await restorableBackup(ctx, req, version, restoreTime) : undefined;
      const archivesWal = POINT_IN_TIME_ENGINES.has(version.manager);

      const payload = sealPayload(deps.secrets, {
        databases: req.databases.map((d) => ({ name: d.name, characterSet: d.characterSet, collation: d.collation })),
        users: req.users.map((u) => ({ name: u.name, password: u.password, host: u.host, databases: u.databases })),
        adminPassword: randomBytes(24).toString("base64url"),
      });
      const created = await instances.create(
        {
          projectId: projectOf(ctx),
          name: req.name,
          flavorId: flavor.id,
          datastoreVersionId: version.id,
          volumeSizeGb: req.volumeSizeGb,
          configurationId: group?.id ?? null,
          allowedCidrs: JSON.stringify(allowedCidrs),
          deletionProtection: req.deletionProtection,
          sourceBackupId: source?.id ?? null,
          restoreTime: restoreTime ?? null,
          walStorageKind: archivesWal ? deps.backupStorage.kind : null,
          walStorageLocation: archivesWal ? deps.backupStorage.location : null,
        },
        // A restore streams the whole backup: it gets as long as taking one may.
        source ? { ...task(ctx, "CREATE", payload), deadlineAt: new Date(Date.now() + taskDeadlinesMs.BACKUP) } : task(ctx, "CREATE", payload),
      );
      deps.submitTask(created.taskId);
      return { instance: toInstanceView(created.instance) };
    },

    async getInstance(req, ctx) {
      return { instance: toInstanceView(await load(ctx, req.id)) };
    },

    async listInstances(req, ctx) {
      const pageSize = req.pageSize || defaultPageSize;
      const afterId = req.pageToken ? decodePageToken(req.pageToken) : undefined;
      const rows = await instances.list(projectOf(ctx), afterId, pageSize + 1);
      const page = rows.slice(0, pageSize);
      const last = page[page.length - 1];
      return {
        instances: page.map(toInstanceView),
        nextPageToken: rows.length > pageSize && last ? encodePageToken(last.id) : "",
      };
    },

    async deleteInstance(req, ctx) {
      const row = await load(ctx, req.id);
      if (row.taskStatus === "DELETING") return { instance: toInstanceView(row) };
      if (row.deletionProtection) {
        throw new FailedPreconditionError(`instance "${row.name}" has deletion protection on; turn it off first (update --no-deletion-protection)`);
      }
      const started = await instances.startTask(row.id, "DELETING", task(ctx, "DELETE", ""), ["BUILDING", "RESTARTING", "CONFIGURING", "FAILED"]);
      deps.submitTask(started.taskId);
      return { instance: toInstanceView(started.instance) };
    },

    async restartInstance(req, ctx) {
      return { instance: await action(ctx, req.id, "RESTARTING", "RESTART") };
    },

    async stopInstance(req, ctx) {
      return { instance: await action(ctx, req.id, "STOPPING", "STOP") };
    },

    async startInstance(req, ctx) {
      return { instance: await action(ctx, req.id, "STARTING", "START") };
    },

    async updateInstance(req, ctx) {
      const row = await load(ctx, req.id);
      const change: InstanceUpdate = {};
      if (req.name !== undefined && req.name !== row.name) change.name = req.name;
      if (req.deletionProtection !== undefined && req.deletionProtection !== row.deletionProtection) change.deletionProtection = req.deletionProtection;
      const settings: NonNullable<InstanceUpdate["settings"]> = { task: task(ctx, "CONFIGURE", "") };
      if (req.allowedCidrs !== undefined) {
        const cidrs = checkedCidrs("allowed_cidrs.cidrs", req.allowedCidrs.cidrs, row.datastoreVersion.manager);
        if (JSON.stringify(cidrs) !== JSON.stringify(parseCidrs(row.allowedCidrs))) settings.allowedCidrs = JSON.stringify(cidrs);
      }
      if (req.configuration !== undefined) {
        const group = req.configuration === "" ? null : await groupFor(ctx, req.configuration, row.datastoreVersionId, "configuration");
        if ((group?.id ?? null) !== row.configurationId) settings.configurationId = group?.id ?? null;
      }
      if (settings.allowedCidrs !== undefined || settings.configurationId !== undefined) change.settings = settings;
      const nothingAsked = req.name === undefined && req.deletionProtection === undefined && req.allowedCidrs === undefined && req.configuration === undefined;
      if (nothingAsked) {
        throw new InvalidArgumentError("name", "nothing to change: give a name, deletion_protection, allowed_cidrs or configuration");
      }
      if (Object.keys(change).length === 0) return { instance: toInstanceView(row) };
      const updated = await instances.update(row.id, change);
      if (updated.taskId) deps.submitTask(updated.taskId);
      return { instance: toInstanceView(updated.instance) };
    },

    async resizeInstance(req, ctx) {
      const row = await load(ctx, req.id);
      const flavor = await catalogue.findFlavor(req.flavor);
      if (!flavor) throw new NotFoundError("flavor", req.flavor);
      if (flavor.id === row.flavorId) throw new InvalidArgumentError("flavor", `instance "${row.name}" already has flavor "${flavor.name}"`);
      const payload = actionPayload({ flavorId: flavor.id, ramMb: flavor.ramMb, vcpus: flavor.vcpus });
      return { instance: await action(ctx, row, "RESIZING", "RESIZE_FLAVOR", payload, { ramMb: flavor.ramMb }) };
    },

    async resizeInstanceVolume(req, ctx) {
      const row = await load(ctx, req.id);
      if (req.sizeGb <= row.volumeSizeGb) {
        throw new InvalidArgumentError("size_gb", `volumes only grow: instance "${row.name}" has ${row.volumeSizeGb} GB, ask for more than that`);
      }
      if (req.sizeGb > deps.maxVolumeGb) throw new InvalidArgumentError("size_gb", `must be at most ${deps.maxVolumeGb} GB`);
      const payload = actionPayload({ volumeSizeGb: req.sizeGb });
      return { instance: await action(ctx, row, "RESIZING", "RESIZE_VOLUME", payload, { volumeGb: req.sizeGb }) };
    },

    ...instanceInspectionHandlers(instances, deps.agents),

    async listInstanceEvents(req, ctx) {
      const row = await load(ctx, req.id);
      const events = await instances.events(row.id, req.limit || 100);
      return {
        events: events.map((e) => ({ kind: e.kind, message: e.message, requestId: e.requestId ?? "", createdAt: timestampFromDate(e.createdAt) })),
      };
    },
  });
}

function encodePageToken(id: string): string {
  return Buffer.from(JSON.stringify({ after: id })).toString("base64url");
}

function decodePageToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { after?: unknown };
    if (typeof parsed.after === "string") return parsed.after;
  } catch {
    // fall through to the error below
  }
  throw new InvalidArgumentError("page_token", "is not a token from a previous response");
}
