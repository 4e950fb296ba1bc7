// The fake gateway's catalogue (datastores, versions, their parameter catalogues, flavors) and its
// ManageService: the operator's side of what DatastoreService, FlavorService and ConfigurationService
// show users. ManageService answers
// PERMISSION_DENIED to any token but the admin one; token secrets are returned once and kept only
// to let tests look for them.
import { randomBytes, randomUUID } from "node:crypto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import {
  DatastoreSchema,
  DatastoreVersionSchema,
  type Datastore,
  type DatastoreVersion,
} from "../../gen/proto/hoard/v1/datastore_pb.js";
import { ConfigurationParameterSchema, type ConfigurationParameter } from "../../gen/proto/hoard/v1/configuration_pb.js";
import { FlavorSchema, type Flavor } from "../../gen/proto/hoard/v1/flavor_pb.js";
import { ManageService, ProjectSchema, TokenSchema, type Project, type Token } from "../../gen/proto/hoard/v1/manage_pb.js";

/** Everything the operator manages, shared with the fake's public catalogue services. */
export interface FakeCatalogue {
  datastores: Datastore[];
  flavors: Flavor[];
  /** What configuration groups may set, by "datastore/version" name. */
  parameters: Map<string, FakeParameter[]>;
  projects: Project[];
  tokens: Token[];
  /** Secrets handed out by CreateToken, by token id. */
  secrets: Map<string, string>;
}

/** A catalogue parameter and the value a server runs with when no group sets it. */
export interface FakeParameter {
  parameter: ConfigurationParameter;
  defaultValue: string;
}

/** The catalogue of postgresql 15: one restart-required parameter and two dynamic ones. */
function seedParameters(): FakeParameter[] {
  const parameter = (init: MessageInitShape<typeof ConfigurationParameterSchema>, defaultValue: string): FakeParameter => ({
    parameter: create(ConfigurationParameterSchema, { type: "integer", ...init }),
    defaultValue,
  });
  return [
    parameter({ name: "log_min_duration_statement", min: -1, max: 2147483647, unit: "ms", description: "log slow statements" }, "-1"),
    parameter({ name: "max_connections", min: 1, max: 10000, restartRequired: true, description: "most concurrent connections" }, "100"),
    parameter({ name: "work_mem", min: 64, max: 2147483647, unit: "kB", description: "memory per sort or hash" }, "4096"),
  ];
}

/** One PostgreSQL datastore with versions 15 (default, with a parameter catalogue) and 16, one flavor, one project. */
export function seedCatalogue(): FakeCatalogue {
  const version = (id: string, name: string): DatastoreVersion =>
    create(DatastoreVersionSchema, {
      id,
      name,
      datastore: "postgresql",
      manager: "postgresql",
      active: true,
      binDir: `/usr/lib/postgresql/${name}/bin`,
    });
  return {
    datastores: [
      create(DatastoreSchema, {
        id: "ds-pg",
        name: "postgresql",
        active: true,
        defaultVersion: "15",
        versions: [version("v-pg15", "15"), version("v-pg16", "16")],
      }),
    ],
    flavors: [create(FlavorSchema, { id: "f-small", name: "small", vcpus: 1, ramMb: 1024 })],
    parameters: new Map([["postgresql/15", seedParameters()]]),
    projects: [create(ProjectSchema, { id: "p1", name: "default", createdAt: timestampFromDate(new Date("2025-01-02T03:04:05Z")) })],
    tokens: [],
    secrets: new Map(),
  };
}

/** What users see of a datastore: active versions only, no binaries directory. */
export function publicDatastore(d: Datastore): Datastore {
  const versions = d.versions.filter((v) => v.active).map((v) => ({ ...v, binDir: "" }));
  return create(DatastoreSchema, { ...d, versions });
}

const knownManagers = ["postgresql", "mariadb", "redis"];

export interface FakeManageDeps {
  record(method: string, request: unknown, ctx: HandlerContext): void;
  adminToken: string;
  /** ResetInstanceStatus and ForceDeleteInstance act on the fake's instances. */
  resetInstanceStatus(id: string): void;
  forceDeleteInstance(id: string): void;
}

export function registerFakeManageService(router: ConnectRouter, catalogue: FakeCatalogue, deps: FakeManageDeps): void {
  const admin = (method: string, request: unknown, ctx: HandlerContext): void => {
    deps.record(method, request, ctx);
    if (ctx.requestHeader.get("authorization") !== `Bearer ${deps.adminToken}`) {
      throw new ConnectError("this call needs the admin role", Code.PermissionDenied);
    }
  };
  const datastore = (ref: string): Datastore => {
    const found = catalogue.datastores.find((d) => d.id === ref || d.name === ref);
    if (found === undefined) throw new ConnectError(`datastore "${ref}" not found`, Code.NotFound);
    return found;
  };
  const version = (d: Datastore, ref: string): DatastoreVersion => {
    const found = d.versions.find((v) => v.id === ref || v.name === ref);
    if (found === undefined) throw new ConnectError(`version "${ref}" of datastore "${d.name}" not found`, Code.NotFound);
    return found;
  };
  const project = (ref: string): Project => {
    const found = catalogue.projects.find((p) => p.id === ref || p.name === ref);
    if (found === undefined) throw new ConnectError(`project "${ref}" not found`, Code.NotFound);
    return found;
  };
  const token = (id: string): Token => {
    const found = catalogue.tokens.find((t) => t.id === id);
    if (found === undefined) throw new ConnectError(`token "${id}" not found`, Code.NotFound);
    return found;
  };

  router.service(ManageService, {
    createDatastore(req, ctx) {
      admin("CreateDatastore", req, ctx);
      if (catalogue.datastores.some((d) => d.name === req.name)) {
        throw new ConnectError(`datastore "${req.name}" already exists`, Code.AlreadyExists);
      }
      const created = create(DatastoreSchema, { id: `ds-${req.name}`, name: req.name, active: true });
      catalogue.datastores.push(created);
      return { datastore: created };
    },
    updateDatastore(req, ctx) {
      admin("UpdateDatastore", req, ctx);
      const d = datastore(req.datastore);
      if (req.defaultVersion !== "") d.defaultVersion = version(d, req.defaultVersion).name;
      if (req.active !== undefined) d.active = req.active;
      return { datastore: d };
    },
    listManagedDatastores(req, ctx) {
      admin("ListManagedDatastores", req, ctx);
      return { datastores: catalogue.datastores };
    },
    createDatastoreVersion(req, ctx) {
      admin("CreateDatastoreVersion", req, ctx);
      const d = datastore(req.datastore);
      if (!knownManagers.includes(req.manager)) {
        throw new ConnectError(`manager: must be one of ${knownManagers.join(", ")}, got "${req.manager}"`, Code.InvalidArgument);
      }
      if (!req.binDir.startsWith("/")) throw new ConnectError("bin_dir: must be an absolute path", Code.InvalidArgument);
      if (d.versions.some((v) => v.name === req.name)) {
        throw new ConnectError(`version "${req.name}" of datastore "${d.name}" already exists`, Code.AlreadyExists);
      }
      const created = create(DatastoreVersionSchema, {
        id: `v-${d.name}-${req.name}`,
        name: req.name,
        datastore: d.name,
        manager: req.manager,
        binDir: req.binDir,
        active: req.active,
      });
      d.versions.push(created);
      if (req.makeDefault || d.defaultVersion === "") d.defaultVersion = created.name;
      return { version: created };
    },
    updateDatastoreVersion(req, ctx) {
      admin("UpdateDatastoreVersion", req, ctx);
      const v = version(datastore(req.datastore), req.version);
      if (req.active !== undefined) v.active = req.active;
      if (req.binDir !== "") v.binDir = req.binDir;
      return { version: v };
    },
    createFlavor(req, ctx) {
      admin("CreateFlavor", req, ctx);
      if (catalogue.flavors.some((f) => f.name === req.name || (req.id !== "" && f.id === req.id))) {
        throw new ConnectError(`flavor "${req.name}" already exists`, Code.AlreadyExists);
      }
      const created = create(FlavorSchema, { id: req.id || String(catalogue.flavors.length + 1), name: req.name, vcpus: req.vcpus, ramMb: req.ramMb });
      catalogue.flavors.push(created);
      return { flavor: created };
    },
    deleteFlavor(req, ctx) {
      admin("DeleteFlavor", req, ctx);
      const index = catalogue.flavors.findIndex((f) => f.id === req.id || f.name === req.id);
      if (index < 0) throw new ConnectError(`flavor "${req.id}" not found`, Code.NotFound);
      catalogue.flavors.splice(index, 1);
      return {};
    },
    createProject(req, ctx) {
      admin("CreateProject", req, ctx);
      if (catalogue.projects.some((p) => p.name === req.name)) {
        throw new ConnectError(`project "${req.name}" already exists`, Code.AlreadyExists);
      }
      const created = create(ProjectSchema, { id: randomUUID(), name: req.name, createdAt: timestampNow() });
      catalogue.projects.push(created);
      return { project: created };
    },
    listProjects(req, ctx) {
      admin("ListProjects", req, ctx);
      return { projects: catalogue.projects };
    },
    createToken(req, ctx) {
      admin("CreateToken", req, ctx);
      const p = project(req.project);
      const createdAt = timestampNow();
      const created = create(TokenSchema, {
        id: randomUUID(),
        name: req.name,
        projectId: p.id,
        project: p.name,
        roles: req.roles,
        createdAt,
        ...(req.expiresInSeconds > 0 && {
          expiresAt: timestampFromDate(new Date(timestampDate(createdAt).getTime() + req.expiresInSeconds * 1000)),
        }),
      });
      const secret = `hoard_${randomBytes(24).toString("base64url")}`;
      catalogue.tokens.push(created);
      catalogue.secrets.set(created.id, secret);
      return { token: created, secret };
    },
    listTokens(req, ctx) {
      admin("ListTokens", req, ctx);
      const projectId = req.project === "" ? undefined : project(req.project).id;
      return { tokens: catalogue.tokens.filter((t) => projectId === undefined || t.projectId === projectId) };
    },
    revokeToken(req, ctx) {
      admin("RevokeToken", req, ctx);
      const t = token(req.id);
      t.revokedAt ??= timestampNow();
      return { token: t };
    },
    setParameterCatalogue(req, ctx) {
      admin("SetParameterCatalogue", req, ctx);
      const d = datastore(req.datastore);
      const v = version(d, req.version);
      const loaded = parseParameterCatalogue(req.catalogueJson);
      catalogue.parameters.set(`${d.name}/${v.name}`, loaded);
      return { parameterCount: loaded.length };
    },
    resetInstanceStatus(req, ctx) {
      admin("ResetInstanceStatus", req, ctx);
      deps.resetInstanceStatus(req.id);
      return {};
    },
    forceDeleteInstance(req, ctx) {
      admin("ForceDeleteInstance", req, ctx);
      deps.forceDeleteInstance(req.id);
      return {};
    },
  });
}

/** `{"parameters": [{name, type, min, max, restart_required, default}]}`; anything else is INVALID_ARGUMENT. */
function parseParameterCatalogue(json: string): FakeParameter[] {
  const bad = (why: string): ConnectError => new ConnectError(`catalogue_json: ${why}`, Code.InvalidArgument);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw bad("not JSON");
  }
  const list = (parsed as { parameters?: unknown }).parameters;
  if (!Array.isArray(list)) throw bad('expected {"parameters": [...]}');
  return list.map((raw: Record<string, unknown>) => {
    if (typeof raw["name"] !== "string" || typeof raw["type"] !== "string") throw bad("every parameter needs a name and a type");
    const parameter = create(ConfigurationParameterSchema, {
      name: raw["name"],
      type: raw["type"],
      restartRequired: raw["restart_required"] === true,
      ...(typeof raw["min"] === "number" && { min: raw["min"] }),
      ...(typeof raw["max"] === "number" && { max: raw["max"] }),
    });
    return { parameter, defaultValue: String(raw["default"] ?? "") };
  });
}
