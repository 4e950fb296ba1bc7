// hoard.v1.InstanceService: protobuf in, protobuf out. Lookups and writes go through the stores;
// long work is handed to the taskmanager as a durable task.
import { randomBytes } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { InstanceService } from "../../../gen/proto/hoard/v1/instance_pb.js";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../../platform/errors.js";
import type { SecretBox } from "../../platform/secrets.js";
import { sealPayload, taskDeadlinesMs } from "../../platform/task-payload.js";
import { checkCreateRules } from "../domain/create-rules.js";
import { toInstanceView } from "../domain/instance-view.js";
import type { CatalogueStore } from "../store/catalogue.js";
import type { InstanceStore, NewTask } from "../store/instances.js";
import { loadInstance, projectOf, requestIdOf } from "./scope.js";

export interface InstanceHandlerDeps {
  instances: InstanceStore;
  catalogue: CatalogueStore;
  secrets: SecretBox;
  /** Wakes a taskmanager; tasks are durable rows, so a failed wake-up only delays them. */
  submitTask: (taskId: string) => void;
  maxVolumeGb: number;
}

const defaultPageSize = 50;

export function registerInstanceService(router: ConnectRouter, deps: InstanceHandlerDeps): void {
  const { instances, catalogue } = deps;

  const load = (ctx: HandlerContext, idOrName: string) => loadInstance(instances, ctx, idOrName);

  function task(ctx: HandlerContext, kind: NewTask["kind"], payload: string): NewTask {
    return {
      kind,
      payload,
      requestId: requestIdOf(ctx),
      deadlineAt: new Date(Date.now() + taskDeadlinesMs[kind]),
    };
  }

  /** Hands an action on an idle instance to the taskmanager; FAILED_PRECONDITION while another runs. */
  async function action(ctx: HandlerContext, idOrName: string, taskStatus: string, kind: NewTask["kind"]) {
    const row = await load(ctx, idOrName);
    const started = await instances.startTask(row.id, taskStatus, task(ctx, kind, ""));
    deps.submitTask(started.taskId);
    return toInstanceView(started.instance);
  }

  router.service(InstanceService, {
    async createInstance(req, ctx) {
      const flavor = await catalogue.findFlavor(req.flavor);
      if (!flavor) throw new NotFoundError("flavor", req.flavor);
      const datastore = await catalogue.findDatastoreAnyState(req.datastore);
      if (!datastore) throw new NotFoundError("datastore", req.datastore);
      if (!datastore.active) throw new FailedPreconditionError(`datastore "${datastore.name}" is not active`);
      const versionName = req.datastoreVersion || datastore.versions.find((v) => v.id === datastore.defaultVersionId)?.name;
      if (!versionName) throw new InvalidArgumentError("datastore_version", `datastore "${datastore.name}" has no default version; name one`);
      const version = datastore.versions.find((v) => v.name === versionName || v.id === versionName);
      if (!version) throw new NotFoundError(`version of datastore "${datastore.name}"`, versionName);
      if (!version.active) throw new FailedPreconditionError(`version "${version.name}" of datastore "${datastore.name}" is not active`);
      checkCreateRules(req, version.manager, deps.maxVolumeGb);

      const payload = sealPayload(deps.secrets, {
        databases: req.databases.map((d) => ({ name: d.name, characterSet: d.characterSet, collation: d.collation })),
        users: req.users.map((u) => ({ name: u.name, password: u.password, host: u.host, databases: u.databases })),
        adminPassword: randomBytes(24).toString("base64url"),
      });
      const created = await instances.create(
        { projectId: projectOf(ctx), name: req.name, flavorId: flavor.id, datastoreVersionId: version.id, volumeSizeGb: req.volumeSizeGb },
        task(ctx, "CREATE", payload),
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
      const started = await instances.startTask(row.id, "DELETING", task(ctx, "DELETE", ""), ["BUILDING", "RESTARTING", "FAILED"]);
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
      if (req.name === undefined) throw new InvalidArgumentError("name", "nothing to change: give a new name");
      if (req.name === row.name) return { instance: toInstanceView(row) };
      return { instance: toInstanceView(await instances.rename(row.id, req.name)) };
    },

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
