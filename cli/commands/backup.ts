// `hoard backup create|list|show|delete`, as `openstack database backup ...`: full or incremental
// backups of an instance, taken by its guest agent while the server keeps serving (the instance
// shows BACKUP). An incremental backup builds on a parent; deleting one that others build on needs --cascade.
// Restoring one is `hoard instance create NAME --backup BACKUP`: a restore always makes a new instance.
// `hoard backup schedule ...` (backup-schedule.ts) takes them on a schedule.
import type { Command } from "commander";
import type { Backup } from "../../gen/proto/hoard/v1/backup_pb.js";
import type { CliContext } from "../context.js";
import type { Format } from "../format.js";
import { nonEmptyFlag } from "../parse.js";
import { backupColumns, backupFields, backupRow, backupView } from "../views.js";
import { registerBackupScheduleCommands } from "./backup-schedule.js";
import { waitForBackup } from "../wait.js";
import {
  answered,
  printList,
  printRecord,
  waitOptions,
  withFormat,
  withWait,
  type FormatOptions,
  type WaitFlags,
} from "./shared.js";

interface CreateOptions extends FormatOptions, WaitFlags {
  description?: string;
  incremental?: boolean;
  parent?: string;
}

interface DeleteOptions extends FormatOptions {
  cascade?: boolean;
}

interface ListOptions extends FormatOptions {
  instance?: string;
}

function printBackup(ctx: CliContext, format: Format, b: Backup): void {
  printRecord(ctx, format, backupView(b), backupFields(b));
}

export function registerBackupCommands(program: Command, ctx: CliContext): void {
  const backup = program.command("backup").description("take, list and delete backups of instances (restore: instance create --backup)");

  const create = backup
    .command("create")
    .description("back up an instance; it keeps serving (status BACKUP) until the backup is taken")
    .argument("<instance>", "instance name or id")
    .argument("<name>", "backup name, unique in the project")
    .option("--description <text>", "what the backup is for")
    .option("--incremental", "store only what changed since the parent backup (default parent: the instance's newest completed backup)")
    .option("--parent <backup>", "the backup an incremental backup builds on, name or id (implies --incremental)");
  withWait(withFormat(create), "the backup is COMPLETED").action(
    async (instance: string, name: string, opts: CreateOptions) => {
      const wait = waitOptions(ctx, opts);
      const clients = ctx.clients();
      const parent = nonEmptyFlag("--parent", opts.parent) ?? "";
      const incremental = Boolean(opts.incremental) || parent !== "";
      const res = await clients.backups.createBackup({ instance, name, description: opts.description ?? "", incremental, parent });
      let created = answered(res.backup, "the backup");
      if (opts.wait) created = await waitForBackup(clients, created.id, created.name, wait);
      printBackup(ctx, opts.format, created);
    },
  );

  const list = backup
    .command("list")
    .description("list the project's backups, newest first")
    .option("--instance <instance>", "only the backups of this instance (name or id)");
  withFormat(list).action(async (opts: ListOptions) => {
    const instance = nonEmptyFlag("--instance", opts.instance) ?? "";
    const { backups } = await ctx.clients().backups.listBackups({ instance });
    printList(ctx, opts.format, backups, backupColumns, backupRow, backupView);
  });

  const show = backup.command("show").description("show a backup").argument("<backup>", "backup name or id");
  withFormat(show).action(async (id: string, opts: FormatOptions) => {
    const res = await ctx.clients().backups.getBackup({ id });
    printBackup(ctx, opts.format, answered(res.backup, "the backup"));
  });

  const remove = backup
    .command("delete")
    .description("delete a backup and its stored data (not one still being taken)")
    .argument("<backup>", "backup name or id")
    .option("--cascade", "also delete the incremental backups built on it (without it such a backup is refused)");
  withFormat(remove).action(async (id: string, opts: DeleteOptions) => {
    const cascade = Boolean(opts.cascade);
    await ctx.clients().backups.deleteBackup({ id, cascade });
    printRecord(ctx, opts.format, { backup: id, deleted: true, ...(cascade ? { cascade } : {}) });
  });

  registerBackupScheduleCommands(backup, ctx);
}
