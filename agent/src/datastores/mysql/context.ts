// What every module of a MySQL-family manager needs about one instance, built once per manager:
// the layout and its paths, the flavor, the account the server runs as, how the agent
// authenticates as the administrator, and the logger.
import type { Logger } from "pino";
import { agentUid, serverAccount, type Account } from "../common/account.js";
import { DatastorePreconditionError } from "../errors.js";
import type { InstanceLayout } from "../manager.js";
import { locateBinaries, type Binaries } from "./binaries.js";
import type { MysqlFlavor } from "./flavor.js";
import type { LogLimits } from "./log-rotation.js";
import { resolvePaths, type MysqlPaths } from "./paths.js";

/**
 * How the agent logs in as root@localhost over the unix socket. "socket": unix_socket
 * authentication, which needs the agent's OS user to be root and no stored secret at all.
 * "password": the instance's adminPassword, kept in a 0600 client option file in runDir.
 */
export type AdminAuth = "socket" | "password";

/** Shared, read-only state of one instance's manager. */
export interface InstanceContext {
  layout: InstanceLayout;
  flavor: MysqlFlavor;
  paths: MysqlPaths;
  /** Account to switch to for the server and its files; undefined: the agent's own account. */
  switchTo: Account | undefined;
  adminAuth: AdminAuth;
  /** The installation's programs, found from layout.binDir on first use (see binaries.ts). */
  binaries(): Promise<Binaries>;
  logger: Logger;
  /** Caps of the server's logs (log-rotation.ts). */
  logLimits: LogLimits;
}

/** Builds the context; never throws, so a manager can always be created and probed. */
export function createInstanceContext(
  layout: InstanceLayout,
  flavor: MysqlFlavor,
  logger: Logger,
  adminAuth: AdminAuth | undefined,
  logLimits: LogLimits,
): InstanceContext {
  return {
    layout,
    flavor,
    paths: resolvePaths(layout),
    switchTo: serverAccount(layout),
    adminAuth: adminAuth ?? (agentUid() === 0 ? "socket" : "password"),
    binaries: () => locateBinaries(layout.binDir, flavor.tools),
    logger: logger.child({ component: flavor.engine, instanceId: layout.instanceId }),
    logLimits,
  };
}

/**
 * The server must not run as root, and only root can switch accounts: say which of the two is
 * wrong before the server says it less clearly.
 */
export function assertRunnableAccount(ctx: InstanceContext): void {
  const own = agentUid();
  if (own === 0 && (!ctx.layout.runAs || ctx.layout.runAs.uid === 0)) {
    throw new DatastorePreconditionError(`${ctx.flavor.displayName} must not run as root: the layout needs a runAs account`);
  }
  if (ctx.switchTo && own !== 0) {
    throw new DatastorePreconditionError(`running ${ctx.flavor.displayName} as ${ctx.switchTo.user} needs an agent running as root`);
  }
}
