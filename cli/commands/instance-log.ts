// `hoard instance log list|enable|disable|tail` (also `hoard log ...`, as `openstack database log ...`):
// an instance's logs, read through the API. `tail --follow` asks for what follows the last cursor
// every second until Ctrl-C, which ends it with status 0.
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Command } from "commander";
import type { HoardClients } from "../connection.js";
import type { CliContext } from "../context.js";
import type { Format } from "../format.js";
import { parseIntFlag } from "../parse.js";
import { instanceLogColumns, instanceLogRow, instanceLogView } from "../views.js";
import { answered, printList, printRecord, withFormat, type FormatOptions } from "./shared.js";

interface TailOptions extends FormatOptions {
  lines?: string;
  follow?: boolean;
}

/** ReadInstanceLogRequest.lines <= 10000. */
const maxLines = 10_000;

/** One read of a log, as the command prints it. */
interface Chunk {
  text: string;
  cursor: string;
}

/** Registers `log list|enable|disable|tail` under `parent` (`instance`, or the program for Trove's `log`). */
export function registerLogCommands(parent: Command, ctx: CliContext, description: string): void {
  const log = parent.command("log").description(description);

  const list = log.command("list").description("list an instance's logs and whether each is on").argument("<instance>", "instance name or id");
  withFormat(list).action(async (id: string, opts: FormatOptions) => {
    const { logs } = await ctx.clients().instances.listInstanceLogs({ id });
    printList(ctx, opts.format, logs, instanceLogColumns, instanceLogRow, instanceLogView);
  });

  for (const [verb, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    const cmd = log
      .command(verb)
      .description(`${verb} an optional log (general, slow), without a restart`)
      .argument("<instance>", "instance name or id")
      .argument("<log>", "log name, as log list shows it");
    withFormat(cmd).action(async (id: string, name: string, opts: FormatOptions) => {
      const res = await ctx.clients().instances.setInstanceLog({ id, name, enabled });
      printRecord(ctx, opts.format, instanceLogView(answered(res.log, "the log")));
    });
  }

  const tail = log
    .command("tail")
    .description("print the end of a log as it is (-f json: {text, cursor}; with --follow one such line per read)")
    .argument("<instance>", "instance name or id")
    .argument("<log>", "log name, as log list shows it")
    .option("--lines <n>", "how many of the last lines (default: the API's, 50)")
    .option("--follow", "keep printing what is appended, until Ctrl-C");
  withFormat(tail).action(async (id: string, name: string, opts: TailOptions) => {
    const lines = opts.lines === undefined ? 0 : parseIntFlag("--lines", opts.lines, 1, maxLines);
    const clients = ctx.clients();
    if (opts.follow) {
      await follow(ctx, clients, { id, name, lines }, opts.format);
      return;
    }
    const chunk = await clients.instances.readInstanceLog({ id, name, lines });
    if (opts.format === "json") printRecord(ctx, "json", { text: chunk.text, cursor: chunk.cursor });
    // A last line without its newline would run into the shell prompt.
    else if (chunk.text !== "") ctx.out(chunk.text.endsWith("\n") ? chunk.text : chunk.text + "\n");
  });
}

/**
 * Prints the tail, then what each read after the last cursor returns, until interrupted. A gateway
 * that does not answer for a while is retried; any other error ends the command.
 */
async function follow(
  ctx: CliContext,
  clients: HoardClients,
  req: { id: string; name: string; lines: number },
  format: Format,
): Promise<void> {
  const stop = new AbortController();
  const unsubscribe = ctx.onInterrupt(() => stop.abort());
  let cursor = "";
  let unreachable = false;
  try {
    for (;;) {
      try {
        const chunk: Chunk = await clients.instances.readInstanceLog({ ...req, cursor }, { signal: stop.signal });
        print(ctx, format, chunk);
        // Without a cursor the next read would print the tail again.
        if (chunk.cursor !== "") cursor = chunk.cursor;
        unreachable = false;
      } catch (err) {
        if (stop.signal.aborted) return;
        const e = ConnectError.from(err);
        if (e.code !== Code.Unavailable && e.code !== Code.DeadlineExceeded) throw e;
        if (!unreachable) ctx.note(`${req.id}: gateway unreachable, retrying`);
        unreachable = true;
      }
      try {
        await sleep(ctx.followIntervalMs, undefined, { signal: stop.signal });
      } catch {
        return;
      }
    }
  } finally {
    // Once interrupted, keep listening: a terminal's Ctrl-C also reaches the tsx launcher, which
    // passes it on, and that second SIGINT must not kill the run after it ended cleanly.
    if (!stop.signal.aborted) unsubscribe();
  }
}

/** A followed read: nothing when nothing was appended, else the text or one line of JSON. */
function print(ctx: CliContext, format: Format, chunk: Chunk): void {
  if (chunk.text === "") return;
  if (format === "json") ctx.out(JSON.stringify({ text: chunk.text, cursor: chunk.cursor }) + "\n");
  else ctx.out(chunk.text);
}
