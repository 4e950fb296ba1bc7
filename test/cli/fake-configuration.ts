// The fake gateway's ConfigurationService: groups kept in a list, values checked against the version's
// parameter catalogue (fake-manage.ts) the way the API promises: unknown keys and out-of-range numbers
// are INVALID_ARGUMENT naming every bad key, and numeric strings become numbers. Also what
// GetInstanceConfiguration reports for an instance: every catalogue parameter with its value.
import { create, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { ConfigurationSchema, ConfigurationService, type Configuration } from "../../gen/proto/hoard/v1/configuration_pb.js";
import { EffectiveParameterSchema, type EffectiveParameter, type Instance } from "../../gen/proto/hoard/v1/instance_pb.js";
import type { FakeCatalogue, FakeParameter } from "./fake-manage.js";

export interface FakeConfigurationDeps {
  record(method: string, request: unknown, ctx: HandlerContext): void;
  catalogue: FakeCatalogue;
  /** Every instance of the fake, to count and list the ones a group is attached to. */
  instances(): Instance[];
}

/** The groups, and lookups the instance handlers share. */
export interface FakeConfigurations {
  groups: Configuration[];
  /** A group by id or name; NOT_FOUND otherwise. */
  find(ref: string): Configuration;
  /** GetInstanceConfiguration's answer: the catalogue of the instance's version with live values. */
  effective(instance: Instance): EffectiveParameter[];
}

export function registerFakeConfigurationService(router: ConnectRouter, deps: FakeConfigurationDeps): FakeConfigurations {
  const groups: Configuration[] = [];
  let created = 0;
  const find = (ref: string): Configuration => {
    const found = groups.find((g) => g.id === ref || g.name === ref);
    if (found === undefined) throw new ConnectError(`configuration group "${ref}" not found`, Code.NotFound);
    return found;
  };
  const catalogueOf = (datastore: string, version: string): FakeParameter[] => {
    const found = deps.catalogue.parameters.get(`${datastore}/${version}`);
    if (found === undefined) throw new ConnectError(`${datastore} ${version} has no parameter catalogue`, Code.NotFound);
    return found;
  };
  const attached = (g: Configuration): Instance[] => deps.instances().filter((i) => i.configurationId === g.id);
  const counted = (g: Configuration): Configuration => create(ConfigurationSchema, { ...g, instanceCount: attached(g).length });
  const taken = (name: string, except?: Configuration): void => {
    if (groups.some((g) => g !== except && g.name === name)) {
      throw new ConnectError(`configuration group "${name}" already exists`, Code.AlreadyExists);
    }
  };
  /** Checks and normalises values; null (removal) only where `allowNull`. */
  const validate = (g: Pick<Configuration, "datastore" | "datastoreVersion">, values: JsonObject, allowNull: boolean): JsonObject => {
    const known = catalogueOf(g.datastore, g.datastoreVersion);
    const errors: string[] = [];
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(values)) {
      const p = known.find((k) => k.parameter.name === key)?.parameter;
      if (p === undefined) errors.push(`${key}: unknown parameter`);
      else if (value === null) {
        if (allowNull) out[key] = null;
        else errors.push(`${key}: null only removes a value in an update`);
      } else {
        const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : NaN;
        if (Number.isNaN(n)) errors.push(`${key}: must be an integer, got ${JSON.stringify(value)}`);
        else if ((p.min !== undefined && n < p.min) || (p.max !== undefined && n > p.max)) {
          errors.push(`${key}: must be between ${p.min} and ${p.max}, got ${n}`);
        } else out[key] = n;
      }
    }
    if (errors.length > 0) throw new ConnectError(`values: ${errors.join("; ")}`, Code.InvalidArgument);
    return out;
  };
  const merge = (current: JsonObject, change: JsonObject): JsonObject => {
    const merged: JsonObject = { ...current };
    for (const [key, value] of Object.entries(change)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    return merged;
  };

  router.service(ConfigurationService, {
    createConfiguration(req, ctx) {
      deps.record("CreateConfiguration", req, ctx);
      taken(req.name);
      const datastore = deps.catalogue.datastores.find((d) => d.active && d.name === req.datastore);
      if (datastore === undefined) throw new ConnectError(`datastore "${req.datastore}" not found`, Code.NotFound);
      const target = { datastore: datastore.name, datastoreVersion: req.datastoreVersion || datastore.defaultVersion };
      const group = create(ConfigurationSchema, {
        id: `cfg-${++created}`,
        name: req.name,
        description: req.description,
        ...target,
        values: validate(target, req.values ?? {}, false),
        createdAt: timestampNow(),
        updatedAt: timestampNow(),
      });
      groups.push(group);
      return { configuration: counted(group) };
    },
    getConfiguration(req, ctx) {
      deps.record("GetConfiguration", req, ctx);
      return { configuration: counted(find(req.id)) };
    },
    listConfigurations(req, ctx) {
      deps.record("ListConfigurations", req, ctx);
      return { configurations: groups.map(counted) };
    },
    updateConfiguration(req, ctx) {
      deps.record("UpdateConfiguration", req, ctx);
      const group = find(req.id);
      const values = merge(group.values ?? {}, validate(group, req.values ?? {}, true));
      if (req.name !== undefined) taken(req.name, group);
      Object.assign(group, {
        values,
        updatedAt: timestampNow(),
        ...(req.name !== undefined && { name: req.name }),
        ...(req.description !== undefined && { description: req.description }),
      });
      return { configuration: counted(group) };
    },
    replaceConfiguration(req, ctx) {
      deps.record("ReplaceConfiguration", req, ctx);
      const group = find(req.id);
      Object.assign(group, { values: validate(group, req.values ?? {}, false), updatedAt: timestampNow() });
      return { configuration: counted(group) };
    },
    deleteConfiguration(req, ctx) {
      deps.record("DeleteConfiguration", req, ctx);
      const group = find(req.id);
      const users = attached(group);
      if (users.length > 0) {
        throw new ConnectError(`configuration group "${group.name}" is attached to ${users.map((i) => i.name).join(", ")}`, Code.FailedPrecondition);
      }
      groups.splice(groups.indexOf(group), 1);
      return {};
    },
    listConfigurationInstances(req, ctx) {
      deps.record("ListConfigurationInstances", req, ctx);
      return { instances: attached(find(req.id)).map((i) => ({ id: i.id, name: i.name })) };
    },
    listConfigurationParameters(req, ctx) {
      deps.record("ListConfigurationParameters", req, ctx);
      return { parameters: catalogueOf(req.datastore, req.version).map((p) => p.parameter) };
    },
  });

  return {
    groups,
    find,
    effective(instance) {
      const values: JsonObject = instance.configurationId === "" ? {} : (find(instance.configurationId).values ?? {});
      return catalogueOf(instance.datastore, instance.datastoreVersion).map(({ parameter, defaultValue }) => {
        const configured: JsonValue | undefined = values[parameter.name];
        const text = configured === undefined ? "" : String(configured);
        return create(EffectiveParameterSchema, {
          name: parameter.name,
          value: text === "" ? defaultValue : text,
          configured: text,
          restartRequired: parameter.restartRequired,
        });
      });
    },
  };
}
