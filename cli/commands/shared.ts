// Flags and output helpers every command shares: `-f table|json`, `--wait`/`--timeout`, and printing
// one record or a list in the chosen format.
import { Option, type Command } from "commander";
import { InstanceStatus, type Instance } from "../../gen/proto/hoard/v1/instance_pb.js";
import type { CliContext } from "../context.js";
import { formats, renderFields, renderJson, renderTable, type Format, type Scalar } from "../format.js";
import { parseIntFlag } from "../parse.js";
import { defaultWaitSeconds, type WaitOptions } from "../wait.js";

export interface FormatOptions {
  format: Format;
}

export interface WaitFlags {
  wait?: boolean;
  timeout: string;
}

/** Adds `-f, --format table|json` (default table). */
export function withFormat(cmd: Command): Command {
  return cmd.addOption(new Option("-f, --format <format>", "output format").choices(formats).default("table"));
}

/** Adds `--wait` and `--timeout SECONDS`. */
export function withWait(cmd: Command, what: string): Command {
  return cmd
    .option("--wait", `wait until ${what}, printing progress to stderr`)
    .option("--timeout <seconds>", "give up waiting after this many seconds", String(defaultWaitSeconds));
}

/** Validates --timeout up front, so a typo fails before the action is sent, not after. */
export function waitOptions(ctx: CliContext, flags: WaitFlags): WaitOptions {
  return {
    timeoutSeconds: parseIntFlag("--timeout", flags.timeout, 1, 7 * 24 * 3600),
    pollIntervalMs: ctx.pollIntervalMs,
    progress: (line) => ctx.note(line),
  };
}

/** One resource: a Field/Value table (of `fields` when nested lists read badly flattened), or one JSON object. */
export function printRecord(
  ctx: CliContext,
  format: Format,
  view: Record<string, unknown>,
  fields: Record<string, unknown> = view,
): void {
  ctx.out(format === "json" ? renderJson(view) : renderFields(fields));
}

/** A list: a table of the given columns, or a JSON array of the full views. */
export function printList<T>(
  ctx: CliContext,
  format: Format,
  items: readonly T[],
  columns: readonly string[],
  row: (item: T) => Scalar[],
  view: (item: T) => Record<string, unknown>,
): void {
  ctx.out(format === "json" ? renderJson(items.map(view)) : renderTable(columns, items.map(row)));
}

/** A list whose items each make several table rows (a datastore and its versions); JSON is `json`. */
export function printRows(ctx: CliContext, format: Format, json: unknown, columns: readonly string[], rows: Scalar[][]): void {
  ctx.out(format === "json" ? renderJson(json) : renderTable(columns, rows));
}

/** A field every successful reply carries; a reply without it is a gateway bug, not a user error. */
export function answered<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the gateway answered without ${what}`);
  return value;
}

/** Commander collects a repeatable flag's values with this. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** After a settings change: says so on stderr when the server runs on until a restart applies it. */
export function noteRestartRequired(ctx: CliContext, instance: Instance): void {
  if (instance.status !== InstanceStatus.RESTART_REQUIRED) return;
  ctx.note(`${instance.name}: some settings take effect at the next restart (hoard instance restart ${instance.name})`);
}
