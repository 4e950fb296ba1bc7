// `hoard instance create|list|show|rename|restart|stop|start|events|delete`, with the nouns, verbs and
// flags of `openstack database instance ...`; update, resize and configuration are in instance-settings.ts,
// log in instance-log.ts. Instances are named by name or id; the gateway resolves both. `create --backup`
// restores a backup into a new instance (a restore never overwrites an existing one).
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import type { Instance } from "../../gen/proto/hoard/v1/instance_pb.js";
import type { HoardClients } from "../connection.js";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { nonEmptyFlag, parseDatabases, parseIntFlag, parseNames, parseTimeFlag, parseUsers } from "../parse.js";
import {
  instanceColumns,
  instanceEventColumns,
  instanceEventRow,
  instanceEventView,
  instanceRow,
  instanceView,
} from "../views.js";
import { waitForActive, waitForDeleted, waitForShutdown, type WaitOptions } from "../wait.js";
import { registerLogCommands } from "./instance-log.js";
import { registerInstanceSettingsCommands } from "./instance-settings.js";
import {
  answered,
  collect,
  noteRestartRequired,
  printList,
  printRecord,
  waitOptions,
  withFormat,
  withWait,
  type FormatOptions,
  type WaitFlags,
} from "./shared.js";

interface CreateOptions extends FormatOptions, WaitFlags {
  flavor: string;
  size?: string;
  datastore?: string;
  datastoreVersion?: string;
  backup?: string;
  restoreTime?: string;
  restoreSourceInstance?: string;
  databases?: string[];
  users?: string[];
  configuration?: string;
  allowedCidr?: string[];
  deletionProtection?: boolean;
}

interface ListOptions extends FormatOptions {
  limit?: string;
}

/** restart, stop and start: one call on the instance, then (with --wait) following it to where it settles. */
interface Action {
  command: string;
  description: string;
  /** Ends "--wait: wait until ...". */
  until: string;
  send(clients: HoardClients, id: string): Promise<{ instance?: Instance }>;
  settle(clients: HoardClients, id: string, label: string, opts: WaitOptions): Promise<Instance>;
}

/** Largest page the API serves (ListInstancesRequest.page_size <= 1000). */
const maxPageSize = 1000;

/** Most events the API returns at once (ListInstanceEventsRequest.limit <= 1000). */
const maxEventLimit = 1000;

const actions: readonly Action[] = [
  {
    command: "restart",
    description: "restart an instance's database server",
    until: "the instance is ACTIVE again",
    send: (clients, id) => clients.instances.restartInstance({ id }),
    settle: waitForActive,
  },
  {
    command: "stop",
    description: "stop an instance's database server; its data and address stay",
    until: "the instance is SHUTDOWN",
    send: (clients, id) => clients.instances.stopInstance({ id }),
    settle: waitForShutdown,
  },
  {
    command: "start",
    description: "start a stopped instance's database server",
    until: "the instance is ACTIVE",
    send: (clients, id) => clients.instances.startInstance({ id }),
    settle: waitForActive,
  },
];

export function registerInstanceCommands(program: Command, ctx: CliContext): void {
  const instance = program.command("instance").description("manage database instances");

  const create = instance
    .command("create")
    .description("create an instance, empty or restored from a backup (--backup)")
    .argument("<name>", "instance name, unique in the project")
    .requiredOption("--flavor <flavor>", "flavor name or id")
    .option("--size <GB>", "volume size in GiB (required, unless --backup: then the backup's)")
    .option("--datastore <datastore>", 'datastore name, e.g. "postgresql" (required, unless --backup: then the backup\'s)')
    .option("--datastore-version <version>", "datastore version (default: the datastore's default; with --backup, the backup's)")
    .option("--backup <backup>", "restore this backup (name or id) into the new instance; its databases and users come with it")
    .option(
      "--restore-time <time>",
      "PostgreSQL: restore to this moment (ISO 8601 with zone, e.g. 2026-01-02T03:04:05Z), replaying the archived WAL after --backup " +
        "(or after the newest backup of --restore-source-instance before it)",
    )
    .option("--restore-source-instance <instance>", "with --restore-time and without --backup: start from this instance's newest backup before that time")
    .option("--databases <names>", "databases to create, comma-separated (repeatable)", collect)
    .option(
      "--users <users>",
      "users to create as name:password[@host], comma-separated (repeatable); they get access to all --databases. " +
        "A password may contain ':'; one containing '@' must end with '@host' or '@'",
      collect,
    )
    .option("--configuration <group>", "configuration group (name or id) to attach from the start")
    .option("--allowed-cidr <cidr>", "only let clients connect from this CIDR, e.g. 10.0.0.0/8 (repeatable; default anywhere)", collect)
    .option("--deletion-protection", "refuse delete until instance update --no-deletion-protection");
  withWait(withFormat(create), "the instance is ACTIVE").action(async (name: string, opts: CreateOptions) => {
      const databases = parseDatabases(opts.databases);
      const users = parseUsers(opts.users, databases.map((d) => d.name));
      const backup = nonEmptyFlag("--backup", opts.backup);
      if (backup !== undefined && (databases.length > 0 || users.length > 0)) {
        throw new UsageError("a restored instance gets its databases and users from the backup: leave out --databases and --users");
      }
      const restoreTime = opts.restoreTime === undefined ? undefined : parseTimeFlag("--restore-time", opts.restoreTime);
      const restoreSourceInstance = nonEmptyFlag("--restore-source-instance", opts.restoreSourceInstance);
      if (restoreSourceInstance !== undefined && (databases.length > 0 || users.length > 0)) {
        throw new UsageError("a restored instance gets its databases and users from the backup: leave out --databases and --users");
      }
      const size = opts.size === undefined ? undefined : parseIntFlag("--size", opts.size, 1, 1024);
      const datastore = nonEmptyFlag("--datastore", opts.datastore);
      // Commander's words, in its order: without --backup these two are required.
      if (backup === undefined && size === undefined) throw new UsageError("required option '--size <GB>' not specified");
      if (backup === undefined && datastore === undefined) throw new UsageError("required option '--datastore <datastore>' not specified");
      const configuration = nonEmptyFlag("--configuration", opts.configuration) ?? "";
      const allowedCidrs = parseNames("--allowed-cidr", opts.allowedCidr, "CIDR");
      const wait = waitOptions(ctx, opts);
      const clients = ctx.clients();
      const placement = await placementOf(clients, { backup, datastore, datastoreVersion: opts.datastoreVersion, size });
      const res = await clients.instances.createInstance({
        name,
        flavor: opts.flavor,
        ...placement,
        backup: backup ?? "",
        ...(restoreTime ? { restoreTime: timestampFromDate(restoreTime) } : {}),
        restoreSourceInstance: restoreSourceInstance ?? "",
        databases,
        users,
        configuration,
        allowedCidrs,
        deletionProtection: opts.deletionProtection === true,
      });
      let created = present(res.instance);
      if (opts.wait) created = await waitForActive(clients, created.id, created.name, wait);
      printRecord(ctx, opts.format, instanceView(created));
      noteRestartRequired(ctx, created);
    });

  const list = instance
    .command("list")
    .description("list instances (all of them, following pages, unless --limit)")
    .option("--limit <n>", "list at most this many instances");
  withFormat(list).action(async (opts: ListOptions) => {
      const limit = opts.limit === undefined ? Infinity : parseIntFlag("--limit", opts.limit, 1, Number.MAX_SAFE_INTEGER);
      const { instances } = ctx.clients();
      const found: Instance[] = [];
      const seen = new Set<string>();
      let pageToken = "";
      do {
        const pageSize = limit === Infinity ? 0 : Math.min(maxPageSize, limit - found.length);
        const page = await instances.listInstances({ pageSize, pageToken });
        found.push(...page.instances.slice(0, limit - found.length));
        pageToken = page.nextPageToken;
        // A server handing back a token twice would loop forever; stop instead.
        if (seen.has(pageToken)) break;
        seen.add(pageToken);
      } while (pageToken !== "" && found.length < limit);
      printList(ctx, opts.format, found, instanceColumns, instanceRow, instanceView);
    });

  const show = instance.command("show").description("show an instance").argument("<instance>", "instance name or id");
  withFormat(show).action(async (id: string, opts: FormatOptions) => {
      const res = await ctx.clients().instances.getInstance({ id });
      printRecord(ctx, opts.format, instanceView(present(res.instance)));
    });

  registerInstanceSettingsCommands(instance, ctx);

  const rename = instance
    .command("rename")
    .description("rename an instance (instance update --name)")
    .argument("<instance>", "instance name or id")
    .argument("<new-name>", "new name, unique in the project");
  withFormat(rename).action(async (id: string, name: string, opts: FormatOptions) => {
      if (name === "") throw new UsageError("the new name must not be empty");
      const res = await ctx.clients().instances.updateInstance({ id, name });
      printRecord(ctx, opts.format, instanceView(present(res.instance)));
    });

  for (const action of actions) {
    const cmd = instance.command(action.command).description(action.description).argument("<instance>", "instance name or id");
    withWait(withFormat(cmd), action.until).action(async (id: string, opts: FormatOptions & WaitFlags) => {
      const wait = waitOptions(ctx, opts);
      const clients = ctx.clients();
      let acted = present((await action.send(clients, id)).instance);
      if (opts.wait) acted = await action.settle(clients, acted.id, acted.name, wait);
      printRecord(ctx, opts.format, instanceView(acted));
      noteRestartRequired(ctx, acted);
    });
  }

  const events = instance
    .command("events")
    .description("list what happened to an instance, newest first")
    .argument("<instance>", "instance name or id")
    .option("--limit <n>", "list at most this many events (default: the API's, 100)");
  withFormat(events).action(async (id: string, opts: ListOptions) => {
      const limit = opts.limit === undefined ? 0 : parseIntFlag("--limit", opts.limit, 1, maxEventLimit);
      const res = await ctx.clients().instances.listInstanceEvents({ id, limit });
      printList(ctx, opts.format, res.events, instanceEventColumns, instanceEventRow, instanceEventView);
    });

  const remove = instance
    .command("delete")
    .description("delete an instance and its data")
    .argument("<instance>", "instance name or id");
  withWait(withFormat(remove), "the instance is gone").action(async (id: string, opts: FormatOptions & WaitFlags) => {
      const wait = waitOptions(ctx, opts);
      const clients = ctx.clients();
      const deleting = present((await clients.instances.deleteInstance({ id })).instance);
      if (!opts.wait) {
        printRecord(ctx, opts.format, instanceView(deleting));
        return;
      }
      await waitForDeleted(clients, deleting.id, deleting.name || id, wait);
    });

  registerLogCommands(instance, ctx, "read an instance's logs and turn the optional ones on or off");
}

/** Where a new instance runs: what the API needs besides its name and flavor. */
interface Placement {
  datastore: string;
  datastoreVersion: string;
  volumeSizeGb: number;
}

/**
 * The flags' datastore, version and size; a restore takes what they leave out from its backup (one
 * GetBackup), since the API restores only onto the backup's datastore version and at least its volume
 * size. Without a backup, the caller has made sure of --datastore and --size.
 */
async function placementOf(
  clients: HoardClients,
  given: { backup: string | undefined; datastore: string | undefined; datastoreVersion: string | undefined; size: number | undefined },
): Promise<Placement> {
  const { backup, datastore, datastoreVersion, size } = given;
  if (datastore !== undefined && size !== undefined && (backup === undefined || datastoreVersion !== undefined)) {
    return { datastore, datastoreVersion: datastoreVersion ?? "", volumeSizeGb: size };
  }
  if (backup === undefined) throw new Error("--datastore and --size are checked before a create without --backup");
  const source = answered((await clients.backups.getBackup({ id: backup })).backup, "the backup");
  const engine = datastore ?? source.datastore;
  return {
    datastore: engine,
    // Another datastore's version names mean nothing here; the API says why that restore cannot go.
    datastoreVersion: datastoreVersion ?? (engine === source.datastore ? source.datastoreVersion : ""),
    volumeSizeGb: size ?? source.volumeSizeGb,
  };
}

/** Every instance RPC answers with the instance; a reply without one is a gateway bug. */
function present(instance: Instance | undefined): Instance {
  if (instance === undefined) throw new Error("the gateway answered without an instance");
  return instance;
}
