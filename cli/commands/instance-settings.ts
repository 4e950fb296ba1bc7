// `hoard instance update|resize-flavor|resize-volume|configuration`: what an instance runs with after
// it is built (its name, who may connect, deletion protection, configuration group, flavor, volume)
// and the parameter values its server runs with now. Trove's `instance resize flavor|volume` work too.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Option, type Command } from "commander";
import type { UpdateInstanceRequestSchema } from "../../gen/proto/hoard/v1/instance_pb.js";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { nonEmptyFlag, parseIntFlag, parseNames } from "../parse.js";
import { effectiveConfigurationView, effectiveParameterColumns, effectiveParameterRow, instanceView } from "../views.js";
import { waitForTask } from "../wait.js";
import {
  answered,
  collect,
  noteRestartRequired,
  printRecord,
  printRows,
  waitOptions,
  withFormat,
  withWait,
  type FormatOptions,
  type WaitFlags,
} from "./shared.js";

/** What UpdateInstance changes: every field left out stays as it is. */
export type InstanceChange = Omit<MessageInitShape<typeof UpdateInstanceRequestSchema>, "id" | "$typeName">;

interface UpdateOptions extends FormatOptions, WaitFlags {
  name?: string;
  allowedCidr?: string[];
  clearAllowedCidrs?: boolean;
  deletionProtection?: boolean;
  configuration?: string;
  detachConfiguration?: boolean;
}

const updateFlags =
  "--name, --allowed-cidr, --clear-allowed-cidrs, --deletion-protection, --no-deletion-protection, " +
  "--configuration or --detach-configuration";

/** What `--wait` on a settings change waits for. */
export const updateWaitHelp = "the change is applied (the instance is no longer UPDATE)";

/** Sends one UpdateInstance and, with --wait, follows the instance until the change is applied. */
export async function updateInstance(
  ctx: CliContext,
  id: string,
  change: InstanceChange,
  opts: FormatOptions & WaitFlags,
): Promise<void> {
  const wait = waitOptions(ctx, opts);
  const clients = ctx.clients();
  let updated = answered((await clients.instances.updateInstance({ id, ...change })).instance, "the instance");
  if (opts.wait) updated = await waitForTask(clients, updated.id, updated.name, "updating", wait);
  printRecord(ctx, opts.format, instanceView(updated));
  noteRestartRequired(ctx, updated);
}

/** The flags of `instance update` as a change; only the flags given are part of it. */
function changeOf(opts: UpdateOptions): InstanceChange {
  const name = nonEmptyFlag("--name", opts.name);
  const configuration = opts.detachConfiguration ? "" : nonEmptyFlag("--configuration", opts.configuration);
  // An empty list, sent, is how the API hears "allow any address again".
  const cidrs = opts.clearAllowedCidrs ? [] : opts.allowedCidr && parseNames("--allowed-cidr", opts.allowedCidr, "CIDR");
  return {
    ...(name !== undefined && { name }),
    ...(opts.deletionProtection !== undefined && { deletionProtection: opts.deletionProtection }),
    ...(cidrs !== undefined && { allowedCidrs: { cidrs } }),
    ...(configuration !== undefined && { configuration }),
  };
}

export function registerInstanceSettingsCommands(instance: Command, ctx: CliContext): void {
  const update = instance
    .command("update")
    .description("change an instance's name, allowed CIDRs, deletion protection or configuration group")
    .argument("<instance>", "instance name or id")
    .option("--name <name>", "new name, unique in the project")
    .addOption(
      new Option("--allowed-cidr <cidr>", "only let clients connect from these CIDRs, replacing the list (repeatable)")
        .argParser(collect)
        .conflicts("clearAllowedCidrs"),
    )
    .option("--clear-allowed-cidrs", "let clients connect from anywhere again")
    .option("--deletion-protection", "refuse delete from now on")
    .option("--no-deletion-protection", "allow delete again")
    .addOption(
      new Option("--configuration <group>", "attach this configuration group (name or id)").conflicts("detachConfiguration"),
    )
    .option("--detach-configuration", "detach the configuration group: parameters return to their defaults");
  withWait(withFormat(update), updateWaitHelp).action(async (id: string, opts: UpdateOptions) => {
    const change = changeOf(opts);
    if (Object.keys(change).length === 0) throw new UsageError(`nothing to update: give ${updateFlags}`);
    await updateInstance(ctx, id, change, opts);
  });

  const flavorHelp = "the instance is resized (its server restarted on the new flavor)";
  const volumeHelp = "the volume is resized";
  const resize = instance.command("resize").description("move an instance to another flavor or grow its volume (Trove's form)");
  for (const cmd of [instance.command("resize-flavor"), resize.command("flavor")]) {
    cmd
      .description("move an instance to another flavor; memory-derived settings follow and the server restarts")
      .argument("<instance>", "instance name or id")
      .argument("<flavor>", "flavor name or id");
    withWait(withFormat(cmd), flavorHelp).action(async (id: string, flavor: string, opts: FormatOptions & WaitFlags) => {
      const wait = waitOptions(ctx, opts);
      const clients = ctx.clients();
      let resized = answered((await clients.instances.resizeInstance({ id, flavor })).instance, "the instance");
      if (opts.wait) resized = await waitForTask(clients, resized.id, resized.name, "resizing", wait);
      printRecord(ctx, opts.format, instanceView(resized));
      noteRestartRequired(ctx, resized);
    });
  }
  for (const cmd of [instance.command("resize-volume"), resize.command("volume")]) {
    cmd
      .description("grow an instance's volume, online (it never shrinks)")
      .argument("<instance>", "instance name or id")
      .argument("<size-gb>", "new volume size in GiB, larger than the current one");
    withWait(withFormat(cmd), volumeHelp).action(async (id: string, size: string, opts: FormatOptions & WaitFlags) => {
      const sizeGb = parseIntFlag("the volume size", size, 1, 1024);
      const wait = waitOptions(ctx, opts);
      const clients = ctx.clients();
      let resized = answered((await clients.instances.resizeInstanceVolume({ id, sizeGb })).instance, "the instance");
      if (opts.wait) resized = await waitForTask(clients, resized.id, resized.name, "resizing", wait);
      printRecord(ctx, opts.format, instanceView(resized));
      noteRestartRequired(ctx, resized);
    });
  }

  const configuration = instance
    .command("configuration")
    .description("show the parameter values an instance's server runs with now, and what its group sets")
    .argument("<instance>", "instance name or id");
  withFormat(configuration).action(async (id: string, opts: FormatOptions) => {
    const res = await ctx.clients().instances.getInstanceConfiguration({ id });
    const rows = res.parameters.map(effectiveParameterRow);
    printRows(ctx, opts.format, effectiveConfigurationView(res.configurationId, res.parameters), effectiveParameterColumns, rows);
  });
}
