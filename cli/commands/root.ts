// `hoard root enable|show|disable INSTANCE`: the instance's root account (full rights in its databases, none over the host), as `openstack database root ...`.
// `root enable` prints the generated password: the one password the CLI ever shows, and only then.
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { printRecord, withFormat, type FormatOptions } from "./shared.js";

export function registerRootCommands(program: Command, ctx: CliContext): void {
  const root = program.command("root").description("manage the root account of an instance");

  const enable = root
    .command("enable")
    .description("enable the root account (or reset its password) and print its password, shown only this once")
    .argument("<instance>", "instance name or id");
  withFormat(enable).action(async (instanceId: string, opts: FormatOptions) => {
    const { name, password } = await ctx.clients().root.enableRoot({ instanceId });
    printRecord(ctx, opts.format, { name, password });
    ctx.note(`the ${name} password is shown only this once: store it now`);
  });

  const show = root.command("show").description("show whether the root account is enabled").argument("<instance>", "instance name or id");
  withFormat(show).action(async (instanceId: string, opts: FormatOptions) => {
    const { enabled } = await ctx.clients().root.getRootStatus({ instanceId });
    printRecord(ctx, opts.format, { enabled });
  });

  const disable = root.command("disable").description("disable the root account").argument("<instance>", "instance name or id");
  withFormat(disable).action(async (instanceId: string, opts: FormatOptions) => {
    await ctx.clients().root.disableRoot({ instanceId });
    printRecord(ctx, opts.format, { instance: instanceId, enabled: false });
  });
}
