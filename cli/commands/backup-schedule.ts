// `hoard backup schedule set|show|clear`: an instance's backup schedule. The taskmanager takes a
// backup whenever the cron expression (UTC, 5 fields or 6 with seconds first) says, and prunes
// the schedule's own backups that neither --keep-last nor --keep-days keeps; backups taken by hand
// are never pruned. --full-every N makes every Nth scheduled backup full and the others incremental.
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { parseIntFlag } from "../parse.js";
import { backupScheduleView } from "../views.js";
import { answered, printRecord, withFormat, type FormatOptions } from "./shared.js";

interface SetOptions extends FormatOptions {
  cron: string;
  keepLast?: string;
  keepDays?: string;
  fullEvery?: string;
}

/** Adds `schedule set|show|clear` under `hoard backup`. */
export function registerBackupScheduleCommands(backup: Command, ctx: CliContext): void {
  const schedule = backup.command("schedule").description("back up an instance on a schedule, keeping the newest or the most recent backups");

  const set = schedule
    .command("set")
    .description("set (or replace) an instance's backup schedule; at least one of --keep-last and --keep-days")
    .argument("<instance>", "instance name or id")
    .requiredOption("--cron <expr>", 'when, in UTC: "MIN HOUR DOM MON DOW", or with seconds first ("*/30 * * * * *")')
    .option("--keep-last <n>", "keep the newest N scheduled backups")
    .option("--keep-days <d>", "keep scheduled backups taken within the last D days")
    .option("--full-every <n>", "every Nth scheduled backup is full, the others incremental on the previous one (engines with incremental backups)");
  withFormat(set).action(async (instance: string, opts: SetOptions) => {
    const keepLast = opts.keepLast === undefined ? 0 : parseIntFlag("--keep-last", opts.keepLast, 1, 1000);
    const keepDays = opts.keepDays === undefined ? 0 : parseIntFlag("--keep-days", opts.keepDays, 1, 3660);
    if (keepLast === 0 && keepDays === 0) throw new UsageError("give --keep-last or --keep-days (or both): how many scheduled backups to keep");
    const fullEvery = opts.fullEvery === undefined ? 0 : parseIntFlag("--full-every", opts.fullEvery, 1, 1000);
    const res = await ctx.clients().backups.setBackupSchedule({ instance, cron: opts.cron, keepLast, keepDays, fullEvery });
    printRecord(ctx, opts.format, backupScheduleView(answered(res.schedule, "the schedule")));
  });

  const show = schedule.command("show").description("show an instance's backup schedule").argument("<instance>", "instance name or id");
  withFormat(show).action(async (instance: string, opts: FormatOptions) => {
    const res = await ctx.clients().backups.getBackupSchedule({ instance });
    printRecord(ctx, opts.format, backupScheduleView(answered(res.schedule, "the schedule")));
  });

  const clear = schedule
    .command("clear")
    .description("stop backing up an instance on a schedule (its backups stay)")
    .argument("<instance>", "instance name or id");
  withFormat(clear).action(async (instance: string, opts: FormatOptions) => {
    await ctx.clients().backups.clearBackupSchedule({ instance });
    printRecord(ctx, opts.format, { instance, schedule_cleared: true });
  });
}
