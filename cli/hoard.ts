// `hoard`: the users' CLI, speaking `openstack database`'s nouns and verbs to the gateway.
// runHoard runs one command line in-process and returns its exit code; main.ts binds it to `process`.
import { registerBackupCommands } from "./commands/backup.js";
import { registerCatalogCommands } from "./commands/catalog.js";
import { registerConfigurationCommands } from "./commands/configuration.js";
import { registerDatabaseCommands } from "./commands/database.js";
import { registerInstanceCommands } from "./commands/instance.js";
import { registerLogCommands } from "./commands/instance-log.js";
import { registerQuotaCommands } from "./commands/quota.js";
import { registerRootCommands } from "./commands/root.js";
import { registerStackCommands } from "./commands/stack.js";
import { registerUserCommands } from "./commands/user.js";
import type { HoardIo } from "./context.js";
import { runProgram, type ProgramSpec } from "./program.js";

export type { HoardIo } from "./context.js";

const hoard: ProgramSpec = {
  name: "hoard",
  description: "Hoard database-as-a-service: create and manage database instances",
  register(program, ctx) {
    registerInstanceCommands(program, ctx);
    registerDatabaseCommands(program, ctx);
    registerUserCommands(program, ctx);
    registerRootCommands(program, ctx);
    registerConfigurationCommands(program, ctx);
    registerBackupCommands(program, ctx);
    registerLogCommands(program, ctx, "an instance's logs (the same as instance log)");
    registerCatalogCommands(program, ctx);
    registerQuotaCommands(program, ctx);
    registerStackCommands(program);
  },
};

/** Runs `hoard <argv...>` (argv without node and script) and resolves with the exit code. */
export function runHoard(argv: readonly string[], io: HoardIo): Promise<number> {
  return runProgram(hoard, argv, io);
}
