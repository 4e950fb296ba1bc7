// `hoard configuration ...`: configuration groups, as `openstack database configuration ...`: named
// parameter values for one datastore version, attached to instances. Values come as a JSON object
// (--values, or create's VALUES argument, keeping their JSON types) and/or `--set key=value` (strings,
// which the API converts by the parameter's type); the API validates them against the catalogue.
import type { Command } from "commander";
import type { Configuration } from "../../gen/proto/hoard/v1/configuration_pb.js";
import type { CliContext } from "../context.js";
import { CommandFailedError, UsageError } from "../errors.js";
import type { Format } from "../format.js";
import { nonEmptyFlag, parseValueFlags } from "../parse.js";
import {
  configurationColumns,
  configurationFields,
  configurationInstanceColumns,
  configurationInstanceRow,
  configurationInstanceView,
  configurationRow,
  configurationView,
  parameterColumns,
  parameterRow,
  parameterView,
} from "../views.js";
import { updateInstance, updateWaitHelp } from "./instance-settings.js";
import {
  answered,
  collect,
  printList,
  printRecord,
  withFormat,
  withWait,
  type FormatOptions,
  type WaitFlags,
} from "./shared.js";

interface ValueOptions extends FormatOptions {
  values?: string;
  set?: string[];
}

interface CreateOptions extends ValueOptions {
  datastore: string;
  datastoreVersion?: string;
  description?: string;
}

interface UpdateOptions extends ValueOptions {
  unset?: string[];
  name?: string;
  description?: string;
}

interface ParameterOptions extends FormatOptions {
  datastore: string;
}

const setHelp = "set a parameter, e.g. max_connections=200 (repeatable; the API converts the text by the parameter's type)";
const valuesHelp = `parameter values as a JSON object, e.g. '{"max_connections": 200}'`;

function printConfiguration(ctx: CliContext, format: Format, c: Configuration): void {
  printRecord(ctx, format, configurationView(c), configurationFields(c));
}

/** A command that takes values: `--values JSON` and repeatable `--set key=value`. */
function withValues(cmd: Command): Command {
  return cmd.option("--values <json>", valuesHelp).option("--set <key=value>", setHelp, collect);
}

export function registerConfigurationCommands(program: Command, ctx: CliContext): void {
  const configuration = program.command("configuration").description("manage configuration groups (parameter values shared by instances)");

  const create = withValues(
    configuration
      .command("create")
      .description("create a configuration group for one datastore version")
      .argument("<name>", "group name, unique in the project")
      .argument("[values]", `parameter values as a JSON object (Trove's form; the same as --values)`)
      .requiredOption("--datastore <datastore>", 'datastore name, e.g. "postgresql"')
      .option("--datastore-version <version>", "datastore version (default: the datastore's default)")
      .option("--description <text>", "what the group is for"),
  );
  withFormat(create).action(async (name: string, valuesArg: string | undefined, opts: CreateOptions) => {
    if (valuesArg !== undefined && opts.values !== undefined) {
      throw new UsageError("give the values as the VALUES argument or with --values, not both");
    }
    const values = parseValueFlags({ ...opts, values: valuesArg ?? opts.values }, valuesArg === undefined ? "--values" : "VALUES");
    const res = await ctx.clients().configurations.createConfiguration({
      name,
      description: opts.description ?? "",
      datastore: opts.datastore,
      datastoreVersion: opts.datastoreVersion ?? "",
      values: values ?? {},
    });
    printConfiguration(ctx, opts.format, answered(res.configuration, "the configuration group"));
  });

  withFormat(configuration.command("list").description("list the project's configuration groups")).action(
    async (opts: FormatOptions) => {
      const { configurations } = await ctx.clients().configurations.listConfigurations({});
      printList(ctx, opts.format, configurations, configurationColumns, configurationRow, configurationView);
    },
  );

  const show = configuration.command("show").description("show a configuration group and its values").argument("<group>", "group name or id");
  withFormat(show).action(async (id: string, opts: FormatOptions) => {
    const res = await ctx.clients().configurations.getConfiguration({ id });
    printConfiguration(ctx, opts.format, answered(res.configuration, "the configuration group"));
  });

  const update = withValues(
    configuration
      .command("update")
      .description("merge values into a group (attached instances follow), or rename it")
      .argument("<group>", "group name or id"),
  )
    .option("--unset <key>", "take a parameter out of the group: it returns to its default (repeatable)", collect)
    .option("--name <name>", "new name, unique in the project")
    .option("--description <text>", "new description");
  withFormat(update).action(async (id: string, opts: UpdateOptions) => {
    const values = parseValueFlags(opts);
    const name = nonEmptyFlag("--name", opts.name);
    if (values === undefined && name === undefined && opts.description === undefined) {
      throw new UsageError("nothing to change: give --set, --unset, --values, --name or --description");
    }
    const res = await ctx.clients().configurations.updateConfiguration({
      id,
      ...(values !== undefined && { values }),
      ...(name !== undefined && { name }),
      ...(opts.description !== undefined && { description: opts.description }),
    });
    printConfiguration(ctx, opts.format, answered(res.configuration, "the configuration group"));
  });

  const replace = withValues(
    configuration
      .command("replace")
      .description("replace a group's values whole: parameters left out return to their defaults")
      .argument("<group>", "group name or id"),
  );
  withFormat(replace).action(async (id: string, opts: ValueOptions) => {
    const values = parseValueFlags(opts);
    if (values === undefined) throw new UsageError("give the new values with --values or --set (--values '{}' clears them all)");
    const res = await ctx.clients().configurations.replaceConfiguration({ id, values });
    printConfiguration(ctx, opts.format, answered(res.configuration, "the configuration group"));
  });

  const remove = configuration.command("delete").description("delete a group no instance uses").argument("<group>", "group name or id");
  withFormat(remove).action(async (id: string, opts: FormatOptions) => {
    await ctx.clients().configurations.deleteConfiguration({ id });
    printRecord(ctx, opts.format, { configuration: id, deleted: true });
  });

  const instances = configuration
    .command("instances")
    .description("list the instances a group is attached to")
    .argument("<group>", "group name or id");
  withFormat(instances).action(async (id: string, opts: FormatOptions) => {
    const res = await ctx.clients().configurations.listConfigurationInstances({ id });
    printList(ctx, opts.format, res.instances, configurationInstanceColumns, configurationInstanceRow, configurationInstanceView);
  });

  const parameters = configuration
    .command("parameters")
    .description("list the parameters groups of a datastore version may set")
    .argument("<datastore>", 'datastore name, e.g. "postgresql"')
    .argument("<version>", 'version name, e.g. "15"');
  withFormat(parameters).action(async (datastore: string, version: string, opts: FormatOptions) => {
    const res = await ctx.clients().configurations.listConfigurationParameters({ datastore, version });
    printList(ctx, opts.format, res.parameters, parameterColumns, parameterRow, parameterView);
  });

  // Trove's `configuration parameter list|show DATASTORE_VERSION [NAME] --datastore D`.
  const parameter = configuration.command("parameter").description("the parameters a datastore version offers (Trove's form)");
  const parameterList = parameter
    .command("list")
    .description("list the parameters groups of a datastore version may set")
    .argument("<version>", "version name")
    .requiredOption("--datastore <datastore>", "datastore name");
  withFormat(parameterList).action(async (version: string, opts: ParameterOptions) => {
    const res = await ctx.clients().configurations.listConfigurationParameters({ datastore: opts.datastore, version });
    printList(ctx, opts.format, res.parameters, parameterColumns, parameterRow, parameterView);
  });
  const parameterShow = parameter
    .command("show")
    .description("show one parameter of a datastore version")
    .argument("<version>", "version name")
    .argument("<name>", "parameter name")
    .requiredOption("--datastore <datastore>", "datastore name");
  withFormat(parameterShow).action(async (version: string, name: string, opts: ParameterOptions) => {
    const res = await ctx.clients().configurations.listConfigurationParameters({ datastore: opts.datastore, version });
    const found = res.parameters.find((p) => p.name === name);
    if (found === undefined) throw new CommandFailedError(`${opts.datastore} ${version} has no parameter "${name}"`);
    printRecord(ctx, opts.format, parameterView(found));
  });

  const attach = configuration
    .command("attach")
    .description("attach a group to an instance (instance update --configuration)")
    .argument("<instance>", "instance name or id")
    .argument("<group>", "group name or id");
  withWait(withFormat(attach), updateWaitHelp).action(async (id: string, group: string, opts: FormatOptions & WaitFlags) => {
    if (group === "") throw new UsageError("the configuration group must not be empty (detach with configuration detach)");
    await updateInstance(ctx, id, { configuration: group }, opts);
  });

  const detach = configuration
    .command("detach")
    .description("detach an instance's group: its parameters return to their defaults")
    .argument("<instance>", "instance name or id");
  withWait(withFormat(detach), updateWaitHelp).action(async (id: string, opts: FormatOptions & WaitFlags) => {
    await updateInstance(ctx, id, { configuration: "" }, opts);
  });
}
