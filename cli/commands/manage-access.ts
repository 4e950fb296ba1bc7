// `hoard-manage project ...` and `hoard-manage token ...`: who may use Hoard. A token's secret is
// printed once, by `token create`; the API keeps only its hash, so it cannot be shown again.
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { parseIntFlag, parseNames } from "../parse.js";
import { projectColumns, projectRow, projectView, tokenColumns, tokenRow, tokenView } from "../views.js";
import { answered, printList, printRecord, withFormat, type FormatOptions } from "./shared.js";

interface TokenCreateOptions extends FormatOptions {
  name: string;
  roles: string;
  expiresIn?: string;
}

interface TokenListOptions extends FormatOptions {
  project?: string;
}

/** CreateTokenRequest.expires_in_seconds is a uint32. */
const maxExpiresInSeconds = 4_294_967_295;

export function registerManageAccessCommands(program: Command, ctx: CliContext): void {
  const project = program.command("project").description("manage projects (tenants)");

  withFormat(project.command("list").description("list projects")).action(async (opts: FormatOptions) => {
    const { projects } = await ctx.clients().manage.listProjects({});
    printList(ctx, opts.format, projects, projectColumns, projectRow, projectView);
  });

  const projectCreate = project.command("create").description("add a project").argument("<name>", "project name, unique");
  withFormat(projectCreate).action(async (name: string, opts: FormatOptions) => {
    const res = await ctx.clients().manage.createProject({ name });
    printRecord(ctx, opts.format, projectView(answered(res.project, "the project")));
  });

  const token = program.command("token").description("issue, list and revoke API tokens");

  const tokenCreate = token
    .command("create")
    .description("issue a bearer token for a project and print its secret, shown only this once")
    .argument("<project>", "project name or id")
    .requiredOption("--name <label>", "what the token is for")
    .requiredOption("--roles <roles>", "roles, comma-separated: admin, member, reader")
    .option("--expires-in <seconds>", "lifetime in seconds (default: no expiry)");
  withFormat(tokenCreate).action(async (projectName: string, opts: TokenCreateOptions) => {
    const roles = parseNames("--roles", [opts.roles], "role");
    const expiresInSeconds = opts.expiresIn === undefined ? 0 : parseIntFlag("--expires-in", opts.expiresIn, 1, maxExpiresInSeconds);
    const res = await ctx.clients().manage.createToken({ project: projectName, name: opts.name, roles, expiresInSeconds });
    printRecord(ctx, opts.format, { ...tokenView(answered(res.token, "the token")), secret: res.secret });
    ctx.note("the token secret is shown only this once: store it now");
  });

  const tokenList = token
    .command("list")
    .description("list tokens (never their secrets)")
    .option("--project <project>", "only the tokens of this project (name or id)");
  withFormat(tokenList).action(async (opts: TokenListOptions) => {
    const { tokens } = await ctx.clients().manage.listTokens({ project: opts.project ?? "" });
    printList(ctx, opts.format, tokens, tokenColumns, tokenRow, tokenView);
  });

  const tokenRevoke = token.command("revoke").description("stop a token working at once").argument("<id>", "token id");
  withFormat(tokenRevoke).action(async (id: string, opts: FormatOptions) => {
    const res = await ctx.clients().manage.revokeToken({ id });
    printRecord(ctx, opts.format, tokenView(answered(res.token, "the token")));
  });
}
