// What every handler needs from the request: the caller's project and request id, and the
// instance it names (NOT_FOUND when it is not the caller's to see).
import type { HandlerContext } from "@connectrpc/connect";
import { NotFoundError, UnauthenticatedError } from "../../platform/errors.js";
import { principalKey, requestScopeKey } from "../context.js";
import type { InstanceRow, InstanceStore } from "../store/instances.js";

export function projectOf(ctx: HandlerContext): string {
  const principal = ctx.values.get(principalKey);
  if (!principal) throw new UnauthenticatedError();
  return principal.projectId;
}

export function requestIdOf(ctx: HandlerContext): string {
  return ctx.values.get(requestScopeKey)?.requestId ?? "";
}

export async function loadInstance(instances: InstanceStore, ctx: HandlerContext, idOrName: string): Promise<InstanceRow> {
  const row = await instances.find(projectOf(ctx), idOrName);
  if (!row) throw new NotFoundError("instance", idOrName);
  return row;
}
