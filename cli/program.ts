// What `hoard` and `hoard-manage` share around their commands: a commander program that writes
// through the run's streams, the environment epilog, and turning whatever a command throws into one
// line and an exit code. Each program only names itself and registers its commands.
import { Command, CommanderError } from "commander";
import { defaultUrl } from "./connection.js";
import { CliContext, type HoardIo } from "./context.js";
import { describeError, ExitCode } from "./errors.js";

/** One CLI program: its name, one-line description and the commands it offers. */
export interface ProgramSpec {
  name: string;
  description: string;
  register(program: Command, ctx: CliContext): void;
}

const epilog = `
Environment:
  HOARD_URL    gateway address (default ${defaultUrl})
  HOARD_TOKEN  bearer token (default: the contents of $HOARD_HOME/admin-token)
  HOARD_HOME   Hoard's state directory (default ./.hoard)

Exit status: 0 success, 1 the operation failed, 2 the command line is wrong.`;

/** Builds a fresh program per run: commander keeps parsed values on its command objects. */
function buildProgram(spec: ProgramSpec, ctx: CliContext, io: HoardIo): Command {
  const program = new Command(spec.name)
    .description(spec.description)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .showSuggestionAfterError()
    .addHelpText("after", epilog);
  spec.register(program, ctx);
  return program;
}

/** Runs `<program> <argv...>` (argv without node and script) and resolves with the exit code. */
export async function runProgram(spec: ProgramSpec, argv: readonly string[], io: HoardIo): Promise<number> {
  const ctx = new CliContext(io);
  const program = buildProgram(spec, ctx, io);
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

/** Binds a program to the real process: its streams, arguments and exit code. */
export async function runAsProcess(run: (argv: readonly string[], io: HoardIo) => Promise<number>): Promise<void> {
  // `hoard instance list | head -1` closes stdout early; that is not an error worth a stack trace.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
  process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
}
