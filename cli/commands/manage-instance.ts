// `hoard-manage instance reset-status|force-delete ID`: an operator's way out for an instance stuck in
// a task (Trove's `reset_status` action and force delete). They act on any project's instance, named by
// id; deletion protection still holds.
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { printRecord, withFormat, type FormatOptions } from "./shared.js";

export function registerManageInstanceCommands(program: Command, ctx: CliContext): void {
  const instance = program.command("instance").description("rescue instances stuck in a task (any project)");

  const reset = instance
    .command("reset-status")
    .description("abandon an instance's running task (marked failed) and let the next agent report decide its status")
    .argument("<id>", "instance id");
  withFormat(reset).action(async (id: string, opts: FormatOptions) => {
    await ctx.clients().manage.resetInstanceStatus({ id });
    printRecord(ctx, opts.format, { instance: id, status_reset: true });
  });

  const forceDelete = instance
    .command("force-delete")
    .description("delete an instance whatever task it is busy with")
    .argument("<id>", "instance id");
  withFormat(forceDelete).action(async (id: string, opts: FormatOptions) => {
    await ctx.clients().manage.forceDeleteInstance({ id });
    printRecord(ctx, opts.format, { instance: id, deleting: true });
  });
}
