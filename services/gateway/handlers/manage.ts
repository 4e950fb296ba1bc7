// hoard.v1.ManageService: the operator's catalogue, projects and tokens (admin role only, enforced
// by the authentication interceptor). Token secrets are returned once and stored only hashed.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import { ManageService, ProjectSchema, TokenSchema, type Token } from "../../../gen/proto/hoard/v1/manage_pb.js";
import { InvalidArgumentError } from "../../platform/errors.js";
import { parseCatalogue } from "../../platform/parameters/index.js";
import { taskDeadlinesMs } from "../../platform/task-payload.js";
import { hashToken, newToken } from "../../platform/tokens.js";
import { toDatastore, toFlavor, toVersion } from "../domain/catalogue-view.js";
import type { ManageStore } from "../store/manage.js";
import { requestIdOf } from "./scope.js";

/** Engines the guest agent has a manager for. */
const knownManagers = ["postgresql", "mariadb", "redis"];

type TokenRow = Awaited<ReturnType<ManageStore["revokeToken"]>>;

export function registerManageService(router: ConnectRouter, store: ManageStore, submitTask: (taskId: string) => void): void {
  router.service(ManageService, {
    async createDatastore(req) {
      return { datastore: toDatastore(await store.createDatastore(req.name), true) };
    },
    async updateDatastore(req) {
      const updated = await store.updateDatastore(req.datastore, { ...(req.active !== undefined ? { active: req.active } : {}), defaultVersion: req.defaultVersion });
      return { datastore: toDatastore(updated, true) };
    },
    async listManagedDatastores() {
      return { datastores: (await store.listDatastores()).map((d) => toDatastore(d, true)) };
    },
    async createDatastoreVersion(req) {
      if (!knownManagers.includes(req.manager)) {
        throw new InvalidArgumentError("manager", `must be one of ${knownManagers.join(", ")}, got "${req.manager}"`);
      }
      const { datastore, version } = await store.createVersion(req.datastore, {
        name: req.name,
        manager: req.manager,
        binDir: req.binDir,
        active: req.active,
        makeDefault: req.makeDefault,
      });
      return { version: toVersion(datastore.name, version, true) };
    },
    async updateDatastoreVersion(req) {
      const { datastore, version } = await store.updateVersion(req.datastore, req.version, {
        ...(req.active !== undefined ? { active: req.active } : {}),
        binDir: req.binDir,
      });
      return { version: toVersion(datastore.name, version, true) };
    },
    async createFlavor(req) {
      return { flavor: toFlavor(await store.createFlavor({ id: req.id, name: req.name, vcpus: req.vcpus, ramMb: req.ramMb })) };
    },
    async deleteFlavor(req) {
      await store.deleteFlavor(req.id);
      return {};
    },
    async createProject(req) {
      return { project: toProject(await store.createProject(req.name)) };
    },
    async listProjects() {
      return { projects: (await store.listProjects()).map(toProject) };
    },
    async createToken(req) {
      const project = await store.project(req.project);
      const secret = newToken();
      const row = await store.createToken({
        projectId: project.id,
        name: req.name,
        tokenHash: hashToken(secret),
        roles: req.roles,
        expiresAt: req.expiresInSeconds ? new Date(Date.now() + req.expiresInSeconds * 1000) : null,
      });
      return { token: toToken(row), secret };
    },
    async listTokens(req) {
      const projectId = req.project ? (await store.project(req.project)).id : undefined;
      return { tokens: (await store.listTokens(projectId)).map(toToken) };
    },
    async revokeToken(req) {
      return { token: toToken(await store.revokeToken(req.id)) };
    },
    async setParameterCatalogue(req) {
      let json: unknown;
      try {
        json = JSON.parse(req.catalogueJson);
      } catch (err) {
        throw new InvalidArgumentError("catalogue_json", `is not JSON: ${(err as Error).message}`);
      }
      const catalogue = parseCatalogue(json, "catalogue_json");
      await store.setParameterCatalogue(req.datastore, req.version, JSON.stringify(catalogue));
      return { parameterCount: catalogue.parameters.length };
    },
    async resetInstanceStatus(req, ctx) {
      await store.resetInstanceStatus(req.id, requestIdOf(ctx));
      return {};
    },
    async forceDeleteInstance(req, ctx) {
      const taskId = await store.forceDeleteInstance(req.id, { requestId: requestIdOf(ctx), deadlineAt: new Date(Date.now() + taskDeadlinesMs.DELETE) });
      submitTask(taskId);
      return {};
    },
  });
}

function toProject(row: { id: string; name: string; createdAt: Date }) {
  return create(ProjectSchema, { id: row.id, name: row.name, createdAt: timestampFromDate(row.createdAt) });
}

function toToken(row: TokenRow): Token {
  return create(TokenSchema, {
    id: row.id,
    name: row.name,
    projectId: row.projectId,
    project: row.project.name,
    roles: row.roles.split(",").filter(Boolean),
    createdAt: timestampFromDate(row.createdAt),
    expiresAt: row.expiresAt ? timestampFromDate(row.expiresAt) : undefined,
    revokedAt: row.revokedAt ? timestampFromDate(row.revokedAt) : undefined,
  });
}
