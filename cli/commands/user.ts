// `hoard user create|list|show|delete|update|grant|revoke|access INSTANCE ...`: an instance's
// accounts and their access to databases, as `openstack database user ...`. A user is named NAME
// with --host, or Trove's NAME@HOST. Passwords go to the API and are never printed.
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { nonEmptyFlag, parseNames, parseUserRef } from "../parse.js";
import { accessColumns, accessRow, accessView, userColumns, userRow, userView } from "../views.js";
import { answered, collect, printList, printRecord, withFormat, type FormatOptions } from "./shared.js";

interface HostOptions extends FormatOptions {
  host?: string;
}

interface CreateOptions extends HostOptions {
  databases?: string[];
}

interface UpdateOptions extends HostOptions {
  newName?: string;
  newPassword?: string;
  newHost?: string;
}

const userArgHelp = "user name, or NAME@HOST";
const hostHelp = 'host the user connects from, where the engine has one (default any, "%")';

/** A command naming one user: `<instance> <name>` and `--host`. */
function userCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .argument("<instance>", "instance name or id")
    .argument("<name>", userArgHelp)
    .option("--host <host>", hostHelp);
}

export function registerUserCommands(program: Command, ctx: CliContext): void {
  const user = program.command("user").description("manage the users of an instance and their access to databases");

  const create = user
    .command("create")
    .description("create a user")
    .argument("<instance>", "instance name or id")
    .argument("<name>", userArgHelp)
    .argument("<password>", "the user's password (never printed)")
    .option("--host <host>", hostHelp)
    .option("--databases <names>", "databases to give the user access to, comma-separated (repeatable)", collect);
  withFormat(create).action(async (instanceId: string, name: string, password: string, opts: CreateOptions) => {
    const ref = parseUserRef(name, opts.host);
    const databases = parseNames("--databases", opts.databases);
    if (password === "") throw new UsageError(`the password of user "${ref.name}" is empty`);
    const res = await ctx.clients().users.createUser({ instanceId, user: { ...ref, password, databases } });
    printRecord(ctx, opts.format, userView(answered(res.user, "the user")));
  });

  const list = user.command("list").description("list the users of an instance").argument("<instance>", "instance name or id");
  withFormat(list).action(async (instanceId: string, opts: FormatOptions) => {
    const { users } = await ctx.clients().users.listUsers({ instanceId });
    printList(ctx, opts.format, users, userColumns, userRow, userView);
  });

  withFormat(userCommand(user, "show", "show a user and the databases it can use")).action(
    async (instanceId: string, name: string, opts: HostOptions) => {
      const ref = parseUserRef(name, opts.host);
      const res = await ctx.clients().users.getUser({ instanceId, ...ref });
      printRecord(ctx, opts.format, userView(answered(res.user, "the user")));
    },
  );

  withFormat(userCommand(user, "delete", "drop a user")).action(async (instanceId: string, name: string, opts: HostOptions) => {
    const ref = parseUserRef(name, opts.host);
    await ctx.clients().users.deleteUser({ instanceId, ...ref });
    printRecord(ctx, opts.format, { instance: instanceId, ...ref, deleted: true });
  });

  const update = userCommand(user, "update", "rename a user, change its password or its host (at least one)")
    .option("--new-name <name>", "new user name")
    .option("--new-password <password>", "new password (never printed)")
    .option("--new-host <host>", "new host");
  withFormat(update).action(async (instanceId: string, name: string, opts: UpdateOptions) => {
    const ref = parseUserRef(name, opts.host);
    const newName = nonEmptyFlag("--new-name", opts.newName);
    const newPassword = nonEmptyFlag("--new-password", opts.newPassword);
    const newHost = nonEmptyFlag("--new-host", opts.newHost);
    if (newName === undefined && newPassword === undefined && newHost === undefined) {
      throw new UsageError("nothing to change: give at least one of --new-name, --new-password, --new-host");
    }
    const res = await ctx.clients().users.updateUser({
      instanceId,
      ...ref,
      newName: newName ?? "",
      newPassword: newPassword ?? "",
      newHost: newHost ?? "",
    });
    printRecord(ctx, opts.format, userView(answered(res.user, "the user")));
  });

  const grant = user
    .command("grant")
    .description("give a user full access to databases")
    .argument("<instance>", "instance name or id")
    .argument("<name>", userArgHelp)
    .argument("<databases...>", "database names")
    .option("--host <host>", hostHelp);
  withFormat(grant).action(async (instanceId: string, name: string, databases: string[], opts: HostOptions) => {
    const ref = parseUserRef(name, opts.host);
    if (databases.some((d) => d.trim() === "")) throw new UsageError("a database name is empty");
    await ctx.clients().users.grantAccess({ instanceId, ...ref, databases });
    printRecord(ctx, opts.format, { instance: instanceId, ...ref, granted: databases });
  });

  const revoke = user
    .command("revoke")
    .description("take a user's access to a database away")
    .argument("<instance>", "instance name or id")
    .argument("<name>", userArgHelp)
    .argument("<database>", "database name")
    .option("--host <host>", hostHelp);
  withFormat(revoke).action(async (instanceId: string, name: string, database: string, opts: HostOptions) => {
    const ref = parseUserRef(name, opts.host);
    await ctx.clients().users.revokeAccess({ instanceId, ...ref, database });
    printRecord(ctx, opts.format, { instance: instanceId, ...ref, revoked: database });
  });

  withFormat(userCommand(user, "access", "list the databases a user can use")).action(
    async (instanceId: string, name: string, opts: HostOptions) => {
      const ref = parseUserRef(name, opts.host);
      const { databases } = await ctx.clients().users.listUserAccess({ instanceId, ...ref });
      printList(ctx, opts.format, databases, accessColumns, accessRow, accessView);
    },
  );
}
