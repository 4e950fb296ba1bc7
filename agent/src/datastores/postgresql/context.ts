// What every module of the PostgreSQL manager needs about one instance, built once per manager:
// the layout, its derived paths, the OS account the server runs as, and the logger.
import { userInfo } from "node:os";
import type { Logger } from "pino";
import { agentUid, serverAccount, type Account } from "../common/account.js";
import { DatastorePreconditionError } from "../errors.js";
import type { InstanceLayout } from "../manager.js";
import { resolvePaths, type PostgresqlPaths } from "./paths.js";

/** Shared, read-only state of one instance's manager. */
export interface InstanceContext {
  layout: InstanceLayout;
  paths: PostgresqlPaths;
  /** Account to switch to for PostgreSQL binaries and file ownership; undefined: the agent's own account. */
  switchTo: Account | undefined;
  /** OS user names mapped to the superuser for peer authentication on the unix socket. */
  adminOsUsers: string[];
  logger: Logger;
}

/** Builds the context; never throws, so a manager can always be created and probed. */
export function createInstanceContext(layout: InstanceLayout, logger: Logger): InstanceContext {
  const switchTo = serverAccount(layout);
  const names = new Set<string>();
  const own = ownUserName();
  if (own) names.add(own);
  if (layout.runAs) names.add(layout.runAs.user);
  return {
    layout,
    paths: resolvePaths(layout),
    switchTo,
    adminOsUsers: [...names],
    logger: logger.child({ component: "postgresql", instanceId: layout.instanceId }),
  };
}

/**
 * PostgreSQL refuses to run as root, and only root can switch accounts: say which of the two is
 * wrong before a binary says it less clearly.
 */
export function assertRunnableAccount(ctx: InstanceContext): void {
  const ownUid = agentUid();
  if (ownUid === 0 && !ctx.layout.runAs) {
    throw new DatastorePreconditionError("PostgreSQL cannot run as root: the layout needs a runAs account");
  }
  if (ctx.switchTo && ownUid !== 0) {
    throw new DatastorePreconditionError(
      `running PostgreSQL as ${ctx.switchTo.user} needs an agent running as root`,
    );
  }
}

function ownUserName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined; // a uid without a passwd entry cannot use peer authentication anyway
  }
}
