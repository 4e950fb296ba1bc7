// hoard.v1.ConfigurationService: configuration groups of the caller's project. Values are checked
// against the version's parameter catalogue; changes reach attached instances as CONFIGURE tasks.
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import type { JsonObject } from "@bufbuild/protobuf";
import { ConfigurationService } from "../../../gen/proto/hoard/v1/configuration_pb.js";
import { InvalidArgumentError, NotFoundError } from "../../platform/errors.js";
import { taskDeadlinesMs } from "../../platform/task-payload.js";
import { toConfigurationView, storedValues } from "../domain/configuration-view.js";
import { catalogueOf, checkedValues } from "../domain/parameter-catalogue.js";
import type { CatalogueStore } from "../store/catalogue.js";
import type { ConfigurationRow, ConfigurationStore } from "../store/configurations.js";
import type { NewTask } from "../store/instances.js";
import { projectOf, requestIdOf } from "./scope.js";
import { findUsableVersion } from "./version-lookup.js";

export interface ConfigurationHandlerDeps {
  configurations: ConfigurationStore;
  catalogue: CatalogueStore;
  submitTask: (taskId: string) => void;
}

export function registerConfigurationService(router: ConnectRouter, deps: ConfigurationHandlerDeps): void {
  const { configurations } = deps;

  async function load(ctx: HandlerContext, idOrName: string): Promise<ConfigurationRow> {
    const row = await configurations.find(projectOf(ctx), idOrName);
    if (!row) throw new NotFoundError("configuration", idOrName);
    return row;
  }

  /** The view; a catalogue an operator has since broken must not make the group unreadable. */
  function view(row: ConfigurationRow) {
    let catalogue;
    try {
      catalogue = catalogueOf(row.datastoreVersion);
    } catch {
      catalogue = undefined;
    }
    return toConfigurationView(row, catalogue);
  }

  const configureTask = (ctx: HandlerContext) => (): NewTask => ({
    kind: "CONFIGURE",
    payload: "",
    requestId: requestIdOf(ctx),
    deadlineAt: new Date(Date.now() + taskDeadlinesMs.CONFIGURE),
  });

  async function change(ctx: HandlerContext, row: ConfigurationRow, values: Record<string, string> | undefined, rest: { name?: string; description?: string } = {}) {
    const { group, taskIds } = await configurations.update(
      row.id,
      { ...rest, ...(values !== undefined ? { values: JSON.stringify(values) } : {}) },
      configureTask(ctx),
    );
    for (const id of taskIds) deps.submitTask(id);
    return { configuration: view(group) };
  }

  router.service(ConfigurationService, {
    async createConfiguration(req, ctx) {
      const { version } = await findUsableVersion(deps.catalogue, req.datastore, req.datastoreVersion);
      const values = checkedValues(catalogueOf(version), req.values ?? {});
      const row = await configurations.create({
        projectId: projectOf(ctx),
        name: req.name,
        description: req.description,
        datastoreVersionId: version.id,
        values: JSON.stringify(values),
      });
      return { configuration: view(row) };
    },

    async getConfiguration(req, ctx) {
      return { configuration: view(await load(ctx, req.id)) };
    },

    async listConfigurations(_req, ctx) {
      return { configurations: (await configurations.list(projectOf(ctx))).map(view) };
    },

    async updateConfiguration(req, ctx) {
      const row = await load(ctx, req.id);
      const { set, removed } = splitRemovals(req.values ?? {});
      let values: Record<string, string> | undefined;
      if (Object.keys(set).length > 0 || removed.length > 0) {
        const merged: Record<string, string> = { ...storedValues(row.values), ...checkedValues(catalogueOf(row.datastoreVersion), set) };
        for (const name of removed) delete merged[name];
        values = merged;
      }
      const rest = { ...(req.name !== undefined ? { name: req.name } : {}), ...(req.description !== undefined ? { description: req.description } : {}) };
      if (values === undefined && Object.keys(rest).length === 0) {
        throw new InvalidArgumentError("values", "nothing to change: give values, a name or a description");
      }
      return change(ctx, row, values, rest);
    },

    async replaceConfiguration(req, ctx) {
      const row = await load(ctx, req.id);
      return change(ctx, row, checkedValues(catalogueOf(row.datastoreVersion), req.values ?? {}));
    },

    async deleteConfiguration(req, ctx) {
      await configurations.delete((await load(ctx, req.id)).id);
      return {};
    },

    async listConfigurationInstances(req, ctx) {
      const row = await load(ctx, req.id);
      return { instances: row.instances.map((i) => ({ id: i.id, name: i.name })) };
    },

    async listConfigurationParameters(req) {
      const { version } = await findUsableVersion(deps.catalogue, req.datastore, req.version);
      const catalogue = catalogueOf(version);
      return {
        parameters: [...catalogue.parameters]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((p) => ({
            name: p.name,
            type: p.type,
            ...(p.type === "integer" || p.type === "float" ? { min: p.min, max: p.max, unit: p.unit ?? "" } : {}),
            allowedValues: p.type === "string" ? [...(p.allowed ?? [])] : p.type === "boolean" ? [...catalogue.booleans] : [],
            restartRequired: p.restartRequired,
            description: p.description,
          })),
      };
    },
  });
}

/** UpdateConfiguration: a JSON null removes the key from the group; everything else is set. */
function splitRemovals(values: JsonObject): { set: Record<string, unknown>; removed: string[] } {
  const set: Record<string, unknown> = {};
  const removed: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (value === null) removed.push(name);
    else set[name] = value;
  }
  return { set, removed };
}
