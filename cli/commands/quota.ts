// `hoard quota show` (the caller's project; an admin may name another) and `hoard-manage quota
// set|show PROJECT`: limits and usage per resource. A limit of -1 (or "unlimited") means none.
import type { Command } from "commander";
import type { GetQuotasResponse } from "../../gen/proto/hoard/v1/quota_pb.js";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { collect, printRows, withFormat, type FormatOptions } from "./shared.js";

const resources = ["instances", "volume_gb", "ram_mb", "backups", "backup_gb"] as const;

interface ShowOptions extends FormatOptions {
  project?: string;
}

interface SetOptions extends FormatOptions {
  instances?: string;
  volumeGb?: string;
  ramMb?: string;
  backups?: string;
  backupGb?: string;
  reset?: string[];
}

function printQuotas(ctx: CliContext, format: FormatOptions["format"], res: Pick<GetQuotasResponse, "projectId" | "project" | "quotas">): void {
  const json = {
    projectId: res.projectId,
    project: res.project,
    quotas: res.quotas.map((q) => ({ name: q.name, limit: Number(q.limit), inUse: Number(q.inUse), overridden: q.overridden })),
  };
  const rows = res.quotas.map((q) => [q.name, q.limit < 0n ? "unlimited" : String(q.limit), String(q.inUse), q.overridden ? "project" : "default"]);
  printRows(ctx, format, json, ["Resource", "Limit", "In Use", "Set By"], rows);
}

/** A limit flag: a whole number, or -1 / "unlimited" for none. */
function parseLimit(flag: string, raw: string): bigint {
  const value = raw.trim();
  if (value === "unlimited" || value === "-1") return -1n;
  if (!/^\d+$/.test(value) || Number(value) > 2_147_483_647) throw new UsageError(`${flag} must be a whole number up to 2147483647, or -1 / unlimited, got "${raw}"`);
  return BigInt(value);
}

export function registerQuotaCommands(program: Command, ctx: CliContext): void {
  const quota = program.command("quota").description("your project's limits and what it uses");
  const show = quota
    .command("show")
    .description("limit and usage of each resource (instances, volume_gb, ram_mb, backups, backup_gb)")
    .option("--project <project>", "another project (admin tokens only)");
  withFormat(show).action(async (opts: ShowOptions) => {
    printQuotas(ctx, opts.format, await ctx.clients().quotas.getQuotas({ project: opts.project ?? "" }));
  });
}

export function registerManageQuotaCommands(program: Command, ctx: CliContext): void {
  const quota = program.command("quota").description("projects' quotas: defaults come from HOARD_QUOTA_*, these override them");
  const show = quota.command("show").description("a project's limits and usage").argument("<project>", "project name or id");
  withFormat(show).action(async (project: string, opts: FormatOptions) => {
    printQuotas(ctx, opts.format, await ctx.clients().quotas.getQuotas({ project }));
  });

  const set = quota
    .command("set")
    .description("set a project's own limits (-1 or unlimited: no limit); resources not named keep theirs")
    .argument("<project>", "project name or id")
    .option("--instances <n>", "instances")
    .option("--volume-gb <n>", "total volume size, GiB")
    .option("--ram-mb <n>", "total flavor memory, MiB")
    .option("--backups <n>", "backups")
    .option("--backup-gb <n>", "stored size of backups, GiB")
    .option("--reset <resource>", `back to the default (repeatable): ${resources.join(", ")}`, collect);
  withFormat(set).action(async (project: string, opts: SetOptions) => {
    const limit = (flag: string, raw: string | undefined) => (raw === undefined ? undefined : parseLimit(flag, raw));
    const reset = opts.reset ?? [];
    const unknown = reset.find((r) => !(resources as readonly string[]).includes(r));
    if (unknown !== undefined) throw new UsageError(`--reset takes one of ${resources.join(", ")}, got "${unknown}"`);
    const res = await ctx.clients().quotas.setQuotas({
      project,
      instances: limit("--instances", opts.instances),
      volumeGb: limit("--volume-gb", opts.volumeGb),
      ramMb: limit("--ram-mb", opts.ramMb),
      backups: limit("--backups", opts.backups),
      backupGb: limit("--backup-gb", opts.backupGb),
      reset,
    });
    printQuotas(ctx, opts.format, res);
  });
}
