// hoard.v1.QuotaService: a project's limits and usage. Anyone may read their own project's;
// reading another's, and setting any, is for admins (SetQuotas' access rule says so; GetQuotas
// checks here, as its rule lets readers in for their own project).
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { QuotaService } from "../../../gen/proto/hoard/v1/quota_pb.js";
import { InvalidArgumentError, PermissionDeniedError, UnauthenticatedError } from "../../platform/errors.js";
import { quotaResources, type QuotaResource } from "../../platform/quota.js";
import { allows } from "../access-rules.js";
import { principalKey } from "../context.js";
import type { ManageStore } from "../store/manage.js";
import type { QuotaStore } from "../store/quotas.js";

export interface QuotaHandlerDeps {
  quotas: QuotaStore;
  /** Finds a project by id or name (NOT_FOUND otherwise). */
  project: ManageStore["project"];
}

export function registerQuotaService(router: ConnectRouter, deps: QuotaHandlerDeps): void {
  async function view(project: { id: string; name: string }) {
    const lines = await deps.quotas.report(project.id);
    return {
      projectId: project.id,
      project: project.name,
      quotas: lines.map((l) => ({ name: l.name, limit: BigInt(l.limit), inUse: BigInt(l.inUse), overridden: l.overridden })),
    };
  }

  /** The project GetQuotas is about: the caller's own unless an admin names another. */
  async function projectFor(ctx: HandlerContext, named: string) {
    const principal = ctx.values.get(principalKey);
    if (!principal) throw new UnauthenticatedError();
    if (named === "") return deps.project(principal.projectId);
    if (!allows(principal.roles, "admin")) {
      const own = await deps.project(principal.projectId);
      if (named !== own.id && named !== own.name) throw new PermissionDeniedError("only admins may read another project's quotas");
      return own;
    }
    return deps.project(named);
  }

  router.service(QuotaService, {
    async getQuotas(req, ctx) {
      return view(await projectFor(ctx, req.project));
    },

    async setQuotas(req) {
      const limits: Partial<Record<QuotaResource, number>> = {};
      const given = { instances: req.instances, volume_gb: req.volumeGb, ram_mb: req.ramMb, backups: req.backups, backup_gb: req.backupGb };
      for (const resource of quotaResources) {
        const value = given[resource];
        if (value !== undefined) limits[resource] = Number(value);
      }
      const reset = req.reset as QuotaResource[];
      const both = reset.find((r) => limits[r] !== undefined);
      if (both) throw new InvalidArgumentError("reset", `"${both}" is both given a limit and reset; do one`);
      if (Object.keys(limits).length === 0 && reset.length === 0) {
        throw new InvalidArgumentError("instances", `nothing to change: give a limit for any of ${quotaResources.join(", ")}, or reset one`);
      }
      const project = await deps.project(req.project);
      await deps.quotas.set(project.id, limits, reset);
      return view(project);
    },
  });
}
