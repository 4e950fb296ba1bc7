// `hoard datastore list`, `hoard datastore version list DATASTORE`, `hoard flavor list`: what an
// instance can be created from.
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import {
  datastoreColumns,
  datastoreRow,
  datastoreVersionColumns,
  datastoreVersionRow,
  datastoreVersionView,
  datastoreView,
  flavorColumns,
  flavorRow,
  flavorView,
} from "../views.js";
import { printList, withFormat, type FormatOptions } from "./shared.js";

export function registerCatalogCommands(program: Command, ctx: CliContext): void {
  const datastore = program.command("datastore").description("list datastores (database engines) and their versions");

  withFormat(datastore.command("list").description("list datastores")).action(async (opts: FormatOptions) => {
      const { datastores } = await ctx.clients().datastores.listDatastores({});
      printList(ctx, opts.format, datastores, datastoreColumns, datastoreRow, datastoreView);
    });

  const version = datastore.command("version").description("datastore versions");
  const versionList = version
    .command("list")
    .description("list the versions of a datastore")
    .argument("<datastore>", "datastore name or id");
  withFormat(versionList).action(async (name: string, opts: FormatOptions) => {
      const { versions } = await ctx.clients().datastores.listDatastoreVersions({ datastore: name });
      printList(ctx, opts.format, versions, datastoreVersionColumns, datastoreVersionRow, datastoreVersionView);
    });

  const flavor = program.command("flavor").description("list flavors (instance sizes)");
  withFormat(flavor.command("list").description("list flavors")).action(async (opts: FormatOptions) => {
      const { flavors } = await ctx.clients().flavors.listFlavors({});
      printList(ctx, opts.format, flavors, flavorColumns, flavorRow, flavorView);
    });
}
