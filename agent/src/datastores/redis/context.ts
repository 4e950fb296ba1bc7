// What every module of the Redis manager needs about one instance, built once per manager: the
// layout, its derived paths, the OS account the server runs as, and the logger.
import type { Logger } from "pino";
import { agentUid, serverAccount, type Account } from "../common/account.js";
import { DatastorePreconditionError } from "../errors.js";
import type { InstanceLayout } from "../manager.js";
import { resolvePaths, type RedisPaths } from "./paths.js";

/** Shared, read-only state of one instance's manager. */
export interface InstanceContext {
  layout: InstanceLayout;
  paths: RedisPaths;
  /** Account to switch to for redis-server and file ownership; undefined: the agent's own account. */
  switchTo: Account | undefined;
  logger: Logger;
}

/** Builds the context; never throws, so a manager can always be created and probed. */
export function createInstanceContext(layout: InstanceLayout, logger: Logger): InstanceContext {
  return {
    layout,
    paths: resolvePaths(layout),
    switchTo: serverAccount(layout),
    logger: logger.child({ component: "redis", instanceId: layout.instanceId }),
  };
}

/**
 * Redis would run as root, but a server that can be told to write files (SAVE, ACL SAVE) must not
 * hold root's rights; and only root can switch accounts. Says which of the two is wrong.
 */
export function assertRunnableAccount(ctx: InstanceContext): void {
  const ownUid = agentUid();
  if (ownUid === 0 && (!ctx.layout.runAs || ctx.layout.runAs.uid === 0)) {
    throw new DatastorePreconditionError("Redis must not run as root: the layout needs an unprivileged runAs account");
  }
  if (ctx.switchTo && ownUid !== 0) {
    throw new DatastorePreconditionError(`running Redis as ${ctx.switchTo.user} needs an agent running as root`);
  }
}
