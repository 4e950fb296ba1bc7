// `hoard-manage`: the operators' CLI (admin tokens only): datastores, their versions and parameter
// catalogues, flavors, projects, tokens and users, and rescuing stuck instances. Same connection, output and
// error rules as `hoard`; manage-main.ts binds runHoardManage to `process`.
import { registerManageAccessCommands } from "./commands/manage-access.js";
import { registerManageCatalogCommands } from "./commands/manage-catalog.js";
import { registerManageIdentityCommands } from "./commands/manage-identity.js";
import { registerManageInstanceCommands } from "./commands/manage-instance.js";
import { registerManageQuotaCommands } from "./commands/quota.js";
import type { HoardIo } from "./context.js";
import { runProgram, type ProgramSpec } from "./program.js";

const hoardManage: ProgramSpec = {
  name: "hoard-manage",
  description: "Hoard operator tools: datastores, versions, parameters, flavors, projects, tokens, users, quotas and stuck instances (admin token required)",
  register(program, ctx) {
    registerManageCatalogCommands(program, ctx);
    registerManageAccessCommands(program, ctx);
    registerManageIdentityCommands(program, ctx);
    registerManageInstanceCommands(program, ctx);
    registerManageQuotaCommands(program, ctx);
  },
};

/** Runs `hoard-manage <argv...>` (argv without node and script) and resolves with the exit code. */
export function runHoardManage(argv: readonly string[], io: HoardIo): Promise<number> {
  return runProgram(hoardManage, argv, io);
}
