// `hoard`: the users' CLI, speaking `openstack database`'s nouns and verbs to the gateway.
// runHoard runs one command line in-process and returns its exit code; main.ts binds it to `process`.
import { Command, CommanderError } from "commander";
import { registerCatalogCommands } from "./commands/catalog.js";
import { registerInstanceCommands } from "./commands/instance.js";
import { registerStackCommands } from "./commands/stack.js";
import { CliContext, type HoardIo } from "./context.js";
import { defaultUrl } from "./connection.js";
import { describeError, ExitCode } from "./errors.js";

export type { HoardIo } from "./context.js";

const epilog = `
Environment:
  HOARD_URL    gateway address (default ${defaultUrl})
  HOARD_TOKEN  bearer token (default: the contents of $HOARD_HOME/admin-token)
  HOARD_HOME   Hoard's state directory (default ./.hoard)

Exit status: 0 success, 1 the operation failed, 2 the command line is wrong.`;

/** Builds a fresh program per run: commander keeps parsed values on its command objects. */
function buildProgram(ctx: CliContext, io: HoardIo): Command {
  const program = new Command("hoard")
    .description("Hoard database-as-a-service: create and manage database instances")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .showSuggestionAfterError()
    .addHelpText("after", epilog);
  registerInstanceCommands(program, ctx);
  registerCatalogCommands(program, ctx);
  registerStackCommands(program);
  return program;
}

/** Runs `hoard <argv...>` (argv without node and script) and resolves with the exit code. */
export async function runHoard(argv: readonly string[], io: HoardIo): Promise<number> {
  const ctx = new CliContext(io);
  const program = buildProgram(ctx, io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ExitCode.ok;
  } catch (err) {
    // Commander has already printed its message (or the help) through configureOutput.
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    const conn = ctx.connectionIfResolved();
    const { line, exitCode } = describeError(err, {
      ...(conn && { url: conn.url }),
      ...(conn && conn.token === undefined && { missingTokenHint: `no token: set HOARD_TOKEN or write ${conn.tokenFile}` }),
    });
    io.stderr.write(line + "\n");
    return exitCode;
  }
}
