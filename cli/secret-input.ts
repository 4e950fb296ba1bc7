// Reading a password without it ever being on the command line (where `ps` and shell history see
// it): all of standard input with `--password-stdin` (one trailing newline dropped), or typed twice
// at a prompt that does not echo when standard input is a terminal.
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import type { CliContext } from "./context.js";
import { UsageError } from "./errors.js";

/** Reads all of `input` as UTF-8. */
async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** One line typed at the terminal, not echoed (the readline's output goes nowhere). */
function askHidden(ctx: CliContext, question: string): Promise<string> {
  ctx.prompt(question);
  const silent = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: ctx.stdin(), output: silent, terminal: true });
  // Settled before close(): closing emits "close" at once, which would otherwise win.
  return new Promise((resolve, reject) => {
    rl.once("line", (line) => (resolve(line), ctx.prompt("\n"), rl.close()));
    rl.once("SIGINT", () => (reject(new UsageError("no password given (interrupted)")), ctx.prompt("\n"), rl.close()));
    rl.once("close", () => reject(new UsageError("no password given")));
  });
}

/** The password for `what`: from stdin when `fromStdin`, else from a prompt (a terminal is needed). */
export async function readPassword(ctx: CliContext, fromStdin: boolean | undefined, what: string): Promise<string> {
  let password: string;
  if (fromStdin) {
    password = (await readAll(ctx.stdin())).replace(/\r?\n$/, "");
  } else {
    if (!ctx.stdin().isTTY) throw new UsageError(`standard input is not a terminal: pipe the password for ${what} in with --password-stdin`);
    password = await askHidden(ctx, `Password for ${what}: `);
    const again = await askHidden(ctx, "Again: ");
    if (again !== password) throw new UsageError("the two passwords differ");
  }
  if (password === "") throw new UsageError(`the password for ${what} is empty`);
  return password;
}
