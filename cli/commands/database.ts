// `hoard database create|list|delete INSTANCE ...`: the databases inside an instance, as
// `openstack database db ...` manages them. Engines without databases (Redis) answer
// failed_precondition, printed like any other API error.
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { databaseColumns, databaseRow, databaseView } from "../views.js";
import { answered, printList, printRecord, withFormat, type FormatOptions } from "./shared.js";

interface CreateOptions extends FormatOptions {
  characterSet?: string;
  collation?: string;
}

export function registerDatabaseCommands(program: Command, ctx: CliContext): void {
  const database = program.command("database").description("manage the databases inside an instance");

  const create = database
    .command("create")
    .description("create a database")
    .argument("<instance>", "instance name or id")
    .argument("<name>", "database name")
    .option("--character-set <charset>", 'character set, where the engine has one (e.g. "utf8mb4")')
    .option("--collation <collation>", 'collation, where the engine has one (e.g. "utf8mb4_general_ci")');
  withFormat(create).action(async (instanceId: string, name: string, opts: CreateOptions) => {
    const res = await ctx.clients().databases.createDatabase({
      instanceId,
      database: { name, characterSet: opts.characterSet ?? "", collation: opts.collation ?? "" },
    });
    printRecord(ctx, opts.format, databaseView(answered(res.database, "the database")));
  });

  const list = database.command("list").description("list the databases of an instance").argument("<instance>", "instance name or id");
  withFormat(list).action(async (instanceId: string, opts: FormatOptions) => {
    const { databases } = await ctx.clients().databases.listDatabases({ instanceId });
    printList(ctx, opts.format, databases, databaseColumns, databaseRow, databaseView);
  });

  const remove = database
    .command("delete")
    .description("drop a database and everything in it")
    .argument("<instance>", "instance name or id")
    .argument("<name>", "database name");
  withFormat(remove).action(async (instanceId: string, name: string, opts: FormatOptions) => {
    await ctx.clients().databases.deleteDatabase({ instanceId, name });
    printRecord(ctx, opts.format, { instance: instanceId, name, deleted: true });
  });
}
