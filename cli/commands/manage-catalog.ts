// `hoard-manage datastore ...` and `hoard-manage flavor ...`: the operator's catalogue of engines,
// installed versions, the parameters their configuration groups may set, and instance sizes (as
// Trove's `trove-manage datastore_update`, `datastore_version_update` and
// `db_load_datastore_config_parameters`, and `openstack flavor create`). Input rules are the API's;
// the CLI only parses.
import { readFile } from "node:fs/promises";
import { Option, type Command } from "commander";
import type { Datastore } from "../../gen/proto/hoard/v1/datastore_pb.js";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import type { Format } from "../format.js";
import { nonEmptyFlag, parseIntFlag } from "../parse.js";
import {
  flavorColumns,
  parameterColumns,
  parameterRow,
  parameterView,
  flavorRow,
  flavorView,
  managedDatastoreColumns,
  managedDatastoreFields,
  managedDatastoreRows,
  managedDatastoreView,
  managedVersionView,
} from "../views.js";
import { answered, printList, printRecord, printRows, withFormat, type FormatOptions } from "./shared.js";

interface ActiveFlags {
  active?: boolean;
  inactive?: boolean;
}

interface DatastoreUpdateOptions extends FormatOptions, ActiveFlags {
  defaultVersion?: string;
}

interface VersionCreateOptions extends FormatOptions {
  manager: string;
  binDir: string;
  inactive?: boolean;
  default?: boolean;
}

interface VersionUpdateOptions extends FormatOptions, ActiveFlags {
  binDir?: string;
}

interface FlavorCreateOptions extends FormatOptions {
  vcpus: string;
  ram: string;
  id?: string;
}

/** Largest uint32: the API's own rules bound vCPUs and RAM; the CLI only checks they are numbers. */
const maxUint32 = 4_294_967_295;

/** Adds `--active` and `--inactive`, which exclude each other. */
function withActive(cmd: Command, what: string): Command {
  return cmd
    .addOption(new Option("--active", `let new instances use the ${what}`).conflicts("inactive"))
    .addOption(new Option("--inactive", `stop new instances using the ${what} (existing ones keep running)`));
}

/** The optional `active` field of an update: set by --active or --inactive, else left unchanged. */
function activeOf(flags: ActiveFlags): { active?: boolean } {
  if (flags.active) return { active: true };
  if (flags.inactive) return { active: false };
  return {};
}

function printDatastore(ctx: CliContext, format: Format, d: Datastore): void {
  printRecord(ctx, format, managedDatastoreView(d), managedDatastoreFields(d));
}

export function registerManageCatalogCommands(program: Command, ctx: CliContext): void {
  const datastore = program.command("datastore").description("register datastores (engines) and their installed versions");

  withFormat(datastore.command("list").description("list every datastore and version, inactive ones included")).action(
    async (opts: FormatOptions) => {
      const { datastores } = await ctx.clients().manage.listManagedDatastores({});
      const rows = datastores.flatMap(managedDatastoreRows);
      printRows(ctx, opts.format, datastores.map(managedDatastoreView), managedDatastoreColumns, rows);
    },
  );

  const create = datastore.command("create").description("register a datastore").argument("<name>", 'engine name, e.g. "mariadb"');
  withFormat(create).action(async (name: string, opts: FormatOptions) => {
    const res = await ctx.clients().manage.createDatastore({ name });
    printDatastore(ctx, opts.format, answered(res.datastore, "the datastore"));
  });

  const update = withActive(
    datastore
      .command("update")
      .description("activate or deactivate a datastore, or set its default version")
      .argument("<name>", "datastore name or id")
      .option("--default-version <version>", "version used when a create names none"),
    "datastore",
  );
  withFormat(update).action(async (name: string, opts: DatastoreUpdateOptions) => {
    const defaultVersion = nonEmptyFlag("--default-version", opts.defaultVersion);
    const active = activeOf(opts);
    if (active.active === undefined && defaultVersion === undefined) {
      throw new UsageError("nothing to change: give --active, --inactive or --default-version");
    }
    const res = await ctx.clients().manage.updateDatastore({ datastore: name, ...active, defaultVersion: defaultVersion ?? "" });
    printDatastore(ctx, opts.format, answered(res.datastore, "the datastore"));
  });

  const version = datastore.command("version").description("register the installed versions of a datastore");

  const versionCreate = version
    .command("create")
    .description("register an installed version")
    .argument("<datastore>", "datastore name or id")
    .argument("<version>", 'version name, e.g. "16"')
    .requiredOption("--manager <manager>", "guest agent manager that runs it: postgresql, mariadb or redis")
    .requiredOption("--bin-dir <dir>", "absolute directory of the engine binaries on the instance hosts")
    .option("--inactive", "register it without letting new instances use it yet")
    .option("--default", "make it the datastore's default version");
  withFormat(versionCreate).action(async (datastoreName: string, name: string, opts: VersionCreateOptions) => {
    const res = await ctx.clients().manage.createDatastoreVersion({
      datastore: datastoreName,
      name,
      manager: opts.manager,
      binDir: opts.binDir,
      active: opts.inactive !== true,
      makeDefault: opts.default === true,
    });
    printRecord(ctx, opts.format, managedVersionView(answered(res.version, "the version")));
  });

  const versionUpdate = withActive(
    version
      .command("update")
      .description("activate or deactivate a version, or change where its binaries are")
      .argument("<datastore>", "datastore name or id")
      .argument("<version>", "version name or id")
      .option("--bin-dir <dir>", "absolute directory of the engine binaries on the instance hosts"),
    "version",
  );
  withFormat(versionUpdate).action(async (datastoreName: string, name: string, opts: VersionUpdateOptions) => {
    const binDir = nonEmptyFlag("--bin-dir", opts.binDir);
    const active = activeOf(opts);
    if (active.active === undefined && binDir === undefined) {
      throw new UsageError("nothing to change: give --active, --inactive or --bin-dir");
    }
    const res = await ctx.clients().manage.updateDatastoreVersion({
      datastore: datastoreName,
      version: name,
      ...active,
      binDir: binDir ?? "",
    });
    printRecord(ctx, opts.format, managedVersionView(answered(res.version, "the version")));
  });

  const parameters = version.command("parameters").description("the parameters configuration groups of a version may set");

  const parametersLoad = parameters
    .command("load")
    .description("replace a version's parameter catalogue with a JSON file's (as catalogue/parameters/*.json)")
    .argument("<datastore>", "datastore name or id")
    .argument("<version>", "version name or id")
    .argument("<file>", "the catalogue, a JSON file");
  withFormat(parametersLoad).action(async (datastoreName: string, name: string, file: string, opts: FormatOptions) => {
    const catalogueJson = await readCatalogue(ctx.path(file), file);
    const res = await ctx.clients().manage.setParameterCatalogue({ datastore: datastoreName, version: name, catalogueJson });
    printRecord(ctx, opts.format, { datastore: datastoreName, version: name, parameter_count: res.parameterCount });
  });

  const parametersList = parameters
    .command("list")
    .description("list the parameters of a version (as hoard configuration parameters)")
    .argument("<datastore>", "datastore name")
    .argument("<version>", "version name");
  withFormat(parametersList).action(async (datastoreName: string, name: string, opts: FormatOptions) => {
    const res = await ctx.clients().configurations.listConfigurationParameters({ datastore: datastoreName, version: name });
    printList(ctx, opts.format, res.parameters, parameterColumns, parameterRow, parameterView);
  });

  const flavor = program.command("flavor").description("manage flavors (instance sizes)");

  withFormat(flavor.command("list").description("list flavors")).action(async (opts: FormatOptions) => {
    const { flavors } = await ctx.clients().flavors.listFlavors({});
    printList(ctx, opts.format, flavors, flavorColumns, flavorRow, flavorView);
  });

  const flavorCreate = flavor
    .command("create")
    .description("add a flavor")
    .argument("<name>", 'flavor name, e.g. "small"')
    .requiredOption("--vcpus <n>", "virtual CPUs")
    .requiredOption("--ram <MiB>", "memory in MiB")
    .option("--id <id>", "flavor id (default: assigned by the server)");
  withFormat(flavorCreate).action(async (name: string, opts: FlavorCreateOptions) => {
    const vcpus = parseIntFlag("--vcpus", opts.vcpus, 1, maxUint32);
    const ramMb = parseIntFlag("--ram", opts.ram, 1, maxUint32);
    const id = nonEmptyFlag("--id", opts.id) ?? "";
    const res = await ctx.clients().manage.createFlavor({ id, name, vcpus, ramMb });
    printRecord(ctx, opts.format, flavorView(answered(res.flavor, "the flavor")));
  });

  const flavorDelete = flavor
    .command("delete")
    .description("remove a flavor no instance uses")
    .argument("<flavor>", "flavor id or name");
  withFormat(flavorDelete).action(async (id: string, opts: FormatOptions) => {
    await ctx.clients().manage.deleteFlavor({ id });
    printRecord(ctx, opts.format, { flavor: id, deleted: true });
  });
}

/** The file's text, once it reads as JSON: the API checks what it says, the CLI only that it is JSON. */
async function readCatalogue(path: string, file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (err as Error).message;
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
  try {
    JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  return text;
}
