// `hoard-manage user ...`: people and programs that log in with a password (through the Keystone
// endpoint, e.g. `openstack token issue`) and their roles in projects. A password is never a
// command-line argument: it is piped in with --password-stdin or typed at a prompt.
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { parseNames } from "../parse.js";
import { readPassword } from "../secret-input.js";
import { identityUserColumns, identityUserFields, identityUserRow, identityUserView } from "../views.js";
import { answered, collect, printList, printRecord, withFormat, type FormatOptions } from "./shared.js";

interface CreateOptions extends FormatOptions {
  project?: string;
  role?: string[];
  passwordStdin?: boolean;
}

interface RoleOptions extends FormatOptions {
  project: string;
  role?: string[];
}

const roleHelp = "role: admin, member or reader (repeat the flag or separate with commas)";

export function registerManageIdentityCommands(program: Command, ctx: CliContext): void {
  const user = program.command("user").description("manage users who log in with a password, and their roles in projects");
  const show = (format: FormatOptions["format"], u: Parameters<typeof identityUserView>[0] | undefined, what: string) => {
    const found = answered(u, what);
    printRecord(ctx, format, identityUserView(found), identityUserFields(found));
  };

  const create = user
    .command("create")
    .description("add a user; the password comes from a prompt, or from stdin with --password-stdin")
    .argument("<name>", "login name, unique")
    .option("--project <project>", "project (name or id) to give the user roles in")
    .option("--role <role>", roleHelp, collect)
    .option("--password-stdin", "read the password from standard input");
  withFormat(create).action(async (name: string, opts: CreateOptions) => {
    const roles = parseNames("--role", opts.role, "role");
    if (opts.project !== undefined && roles.length === 0) throw new UsageError("--project needs at least one --role");
    if (opts.project === undefined && roles.length > 0) throw new UsageError("--role needs --project");
    const password = await readPassword(ctx, opts.passwordStdin, `user ${name}`);
    const res = await ctx.clients().identity.createUser({ name, password, project: opts.project ?? "", roles });
    show(opts.format, res.user, "the user");
  });

  const list = user.command("list").description("list users and their roles").option("--project <project>", "only the members of this project (name or id)");
  withFormat(list).action(async (opts: FormatOptions & { project?: string }) => {
    const { users } = await ctx.clients().identity.listUsers({ project: opts.project ?? "" });
    printList(ctx, opts.format, users, identityUserColumns, identityUserRow, identityUserView);
  });

  withFormat(user.command("show").description("show a user and its roles").argument("<user>", "user name or id")).action(async (ref: string, opts: FormatOptions) => {
    show(opts.format, (await ctx.clients().identity.getUser({ user: ref })).user, "the user");
  });

  user
    .command("delete")
    .description("remove a user; its tokens stop working at once")
    .argument("<user>", "user name or id")
    .action(async (ref: string) => {
      await ctx.clients().identity.deleteUser({ user: ref });
      ctx.note(`user ${ref} deleted`);
    });

  const setPassword = user
    .command("set-password")
    .description("replace a user's password; the tokens it logged in for stop working")
    .argument("<user>", "user name or id")
    .option("--password-stdin", "read the password from standard input");
  withFormat(setPassword).action(async (ref: string, opts: FormatOptions & { passwordStdin?: boolean }) => {
    const password = await readPassword(ctx, opts.passwordStdin, `user ${ref}`);
    show(opts.format, (await ctx.clients().identity.setUserPassword({ user: ref, password })).user, "the user");
  });

  const grant = user
    .command("grant")
    .description("give a user roles in a project")
    .argument("<user>", "user name or id")
    .requiredOption("--project <project>", "project name or id")
    .requiredOption("--role <role>", roleHelp, collect);
  withFormat(grant).action(async (ref: string, opts: RoleOptions) => {
    const roles = parseNames("--role", opts.role, "role");
    show(opts.format, (await ctx.clients().identity.grantRole({ user: ref, project: opts.project, roles })).user, "the user");
  });

  const revoke = user
    .command("revoke")
    .description("take roles (all without --role) from a user in a project; its tokens for the project stop working")
    .argument("<user>", "user name or id")
    .requiredOption("--project <project>", "project name or id")
    .option("--role <role>", roleHelp, collect);
  withFormat(revoke).action(async (ref: string, opts: RoleOptions) => {
    const roles = parseNames("--role", opts.role, "role");
    show(opts.format, (await ctx.clients().identity.revokeRole({ user: ref, project: opts.project, roles })).user, "the user");
  });
}
