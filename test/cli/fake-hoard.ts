// An in-memory Hoard gateway for the CLI tests: the real connect-node stack on a real port, with
// InstanceService, DatastoreService and FlavorService kept in maps, the guest services
// (Database/User/Root) in fake-guest.ts, ManageService in fake-manage.ts, ConfigurationService in
// fake-configuration.ts, BackupService in fake-backup.ts and instance logs in fake-logs.ts. Lifecycles are scripted by polls:
// a created instance is BUILD on its first GetInstance and ACTIVE (or ERROR) on the second; a deleted
// one is DELETING once, then NOT_FOUND; a restarted or started one is REBOOT once, then ACTIVE; a
// stopped one is REBOOT once, then SHUTDOWN (or ERROR); a resized one is RESIZE once, and one whose
// allowed CIDRs or configuration group change is UPDATE once, then as settleOutcome says. Every
// instance has the same canned events.
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate, timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { DatastoreService } from "../../gen/proto/hoard/v1/datastore_pb.js";
import { FlavorService } from "../../gen/proto/hoard/v1/flavor_pb.js";
import {
  FaultSchema,
  InstanceEventSchema,
  InstanceSchema,
  InstanceService,
  InstanceStatus,
  OperatingStatus,
  type CreateInstanceRequest,
  type Instance,
} from "../../gen/proto/hoard/v1/instance_pb.js";
import { registerFakeBackupService, type BackupOutcome, type FakeBackups } from "./fake-backup.js";
import { registerFakeConfigurationService, type FakeConfigurations } from "./fake-configuration.js";
import { registerFakeGuestServices, type FakeGuest } from "./fake-guest.js";
import { FakeLogs } from "./fake-logs.js";
import { publicDatastore, registerFakeManageService, seedCatalogue, type FakeCatalogue } from "./fake-manage.js";

/** How a created instance's build ends. */
export type BuildOutcome = "active" | "restart_required" | "error" | "stuck";

/** How a stop ends. */
export type StopOutcome = "shutdown" | "error" | "stuck";

/** How a resize or a settings change ends. */
export type SettleOutcome = "active" | "restart_required" | "error" | "stuck";

/** What ListInstanceEvents answers for every instance, newest first. */
export const cannedEvents = [
  create(InstanceEventSchema, {
    kind: "STOP",
    message: "database server stopped",
    requestId: "req-0003",
    createdAt: timestampFromDate(new Date("2025-03-01T10:02:00Z")),
  }),
  create(InstanceEventSchema, {
    kind: "RESTART",
    message: "database server restarted",
    requestId: "req-0002",
    createdAt: timestampFromDate(new Date("2025-03-01T10:01:00Z")),
  }),
  create(InstanceEventSchema, {
    kind: "CREATE",
    message: "instance built",
    requestId: "",
    createdAt: timestampFromDate(new Date("2025-03-01T10:00:00Z")),
  }),
];

/** One RPC as the server saw it. */
export interface RecordedCall {
  method: string;
  authorization: string | null;
  request: unknown;
}

interface Entry {
  instance: Instance;
  phase: "building" | "rebooting" | "stopping" | "settling" | "deleting" | "steady";
  polls: number;
  outcome: BuildOutcome;
  /** What a resize changes once it succeeds. */
  pending?: (instance: Instance) => void;
  logs: FakeLogs;
}

export interface FakeHoard {
  url: string;
  calls: RecordedCall[];
  /** Outcome of the next builds; "active" unless a test says otherwise. */
  buildOutcome: BuildOutcome;
  /** Outcome of the next stops; "shutdown" unless a test says otherwise. */
  stopOutcome: StopOutcome;
  /** Outcome of resizes and settings changes; "active" unless a test says otherwise. */
  settleOutcome: SettleOutcome;
  /** Outcome of the next backups; "completed" unless a test says otherwise. */
  backupOutcome: BackupOutcome;
  /** How many of the next ReadInstanceLog calls answer UNAVAILABLE. */
  failLogReads: number;
  /** Page size when a ListInstances request names none: small, so paging is exercised. */
  defaultPageSize: number;
  /** What lives inside each instance (databases, users, root), by instance id. */
  guests: Map<string, FakeGuest>;
  /** Datastores, versions, parameters, flavors, projects and tokens. */
  catalogue: FakeCatalogue;
  /** Configuration groups. */
  configurations: FakeConfigurations;
  /** Backups. */
  backups: FakeBackups;
  /** An instance's logs, by id or name. */
  logs(id: string): FakeLogs;
  close(): Promise<void>;
}

/**
 * Starts the fake on 127.0.0.1, port 0. It accepts the bearer tokens `token` and `adminToken`;
 * ManageService only the admin one (the same token unless a test gives two).
 */
export async function startFakeHoard(token: string, adminToken = token): Promise<FakeHoard> {
  const entries: Entry[] = [];
  const catalogue = seedCatalogue();
  const fake: FakeHoard = {
    url: "",
    calls: [],
    buildOutcome: "active",
    stopOutcome: "shutdown",
    settleOutcome: "active",
    backupOutcome: "completed",
    failLogReads: 0,
    defaultPageSize: 2,
    guests: new Map(),
    catalogue,
    // Set when the routes are registered, before the server listens.
    configurations: undefined as unknown as FakeConfigurations,
    backups: undefined as unknown as FakeBackups,
    logs: (id) => find(id).logs,
    close: async () => {},
  };

  const record = (method: string, request: unknown, ctx: HandlerContext): void => {
    const authorization = ctx.requestHeader.get("authorization");
    fake.calls.push({ method, authorization, request });
    if (authorization !== `Bearer ${token}` && authorization !== `Bearer ${adminToken}`) {
      throw new ConnectError("missing or invalid bearer token", Code.Unauthenticated);
    }
  };
  const find = (id: string): Entry => {
    const entry = entries.find((e) => e.instance.id === id || e.instance.name === id);
    if (entry === undefined) throw new ConnectError(`instance "${id}" not found`, Code.NotFound);
    return entry;
  };
  const set = (entry: Entry, status: InstanceStatus, serviceStatus: string, operating: OperatingStatus): void => {
    Object.assign(entry.instance, { status, serviceStatus, operatingStatus: operating, updatedAt: timestampNow() });
  };
  const fail = (entry: Entry, message: string, details: string): void => {
    set(entry, InstanceStatus.ERROR, "FAILED", OperatingStatus.FAILED);
    entry.instance.fault = create(FaultSchema, { message, details, createdAt: timestampNow() });
    entry.phase = "steady";
  };
  /** Puts an instance into a task that the next-but-one poll ends as settleOutcome says. */
  const settle = (entry: Entry, status: InstanceStatus, pending?: (instance: Instance) => void): void => {
    set(entry, status, "HEALTHY", OperatingStatus.HEALTHY);
    Object.assign(entry, { phase: "settling", polls: 0, pending });
  };

  const routes = (router: ConnectRouter): void => {
    router.service(InstanceService, {
      createInstance(req: CreateInstanceRequest, ctx) {
        record("CreateInstance", req, ctx);
        if (entries.some((e) => e.instance.name === req.name)) {
          throw new ConnectError(`instance "${req.name}" already exists`, Code.AlreadyExists);
        }
        const group = req.configuration === "" ? undefined : fake.configurations.find(req.configuration);
        const datastoreVersion = req.datastoreVersion || "15";
        if (req.backup !== "") {
          fake.backups.restorable(req.backup, {
            datastore: req.datastore,
            datastoreVersion,
            volumeSizeGb: req.volumeSizeGb,
            guestItems: req.databases.length + req.users.length,
          });
        }
        const instance = create(InstanceSchema, {
          id: randomUUID(),
          name: req.name,
          projectId: "p1",
          status: InstanceStatus.BUILD,
          operatingStatus: OperatingStatus.UNKNOWN,
          datastore: req.datastore,
          datastoreVersion,
          flavor: req.flavor,
          flavorId: `f-${req.flavor}`,
          volume: { sizeGb: req.volumeSizeGb, kind: "loop", usedBytes: 0n },
          task: "BUILDING",
          serviceStatus: "NEW",
          createdAt: timestampNow(),
          updatedAt: timestampNow(),
          allowedCidrs: req.allowedCidrs,
          deletionProtection: req.deletionProtection,
          configurationId: group?.id ?? "",
          configurationName: group?.name ?? "",
        });
        entries.push({ instance, phase: "building", polls: 0, outcome: fake.buildOutcome, logs: new FakeLogs() });
        return { instance };
      },
      getInstance(req, ctx) {
        record("GetInstance", req, ctx);
        const entry = find(req.id);
        entry.polls++;
        if (entry.phase === "building" && entry.outcome !== "stuck") {
          if (entry.polls === 1) set(entry, InstanceStatus.BUILD, "BUILDING", OperatingStatus.STARTING);
          else if (entry.outcome === "error") fail(entry, "initdb failed: disk full", "step prepare");
          else {
            const status = entry.outcome === "active" ? InstanceStatus.ACTIVE : InstanceStatus.RESTART_REQUIRED;
            set(entry, status, "HEALTHY", OperatingStatus.HEALTHY);
            Object.assign(entry.instance, { host: "127.0.0.2", port: 5432, task: "NONE" });
            entry.instance.volume = { ...entry.instance.volume!, usedBytes: 41_943_040n, totalBytes: 1_056_858_112n, usedGb: 0.04, usedPercent: 4 };
            entry.phase = "steady";
          }
        } else if (entry.phase === "rebooting" && entry.polls > 1) {
          set(entry, InstanceStatus.ACTIVE, "HEALTHY", OperatingStatus.HEALTHY);
          entry.phase = "steady";
        } else if (entry.phase === "stopping" && entry.polls > 1 && fake.stopOutcome !== "stuck") {
          if (fake.stopOutcome === "error") fail(entry, "server did not stop", "step stop");
          else {
            set(entry, InstanceStatus.SHUTDOWN, "SHUTDOWN", OperatingStatus.SHUTDOWN);
            entry.phase = "steady";
          }
        } else if (entry.phase === "settling" && entry.polls > 1 && fake.settleOutcome !== "stuck") {
          if (fake.settleOutcome === "error") fail(entry, "resize failed: no room on the host", "step resize");
          else {
            entry.pending?.(entry.instance);
            if (fake.settleOutcome === "active") set(entry, InstanceStatus.ACTIVE, "HEALTHY", OperatingStatus.HEALTHY);
            else set(entry, InstanceStatus.RESTART_REQUIRED, "HEALTHY", OperatingStatus.HEALTHY);
            entry.phase = "steady";
          }
        } else if (entry.phase === "deleting" && entry.polls > 1) {
          entries.splice(entries.indexOf(entry), 1);
          throw new ConnectError(`instance "${req.id}" not found`, Code.NotFound);
        }
        return { instance: entry.instance };
      },
      listInstances(req, ctx) {
        record("ListInstances", req, ctx);
        const start = req.pageToken === "" ? 0 : Number(req.pageToken);
        const end = start + (req.pageSize || fake.defaultPageSize);
        return {
          instances: entries.slice(start, end).map((e) => e.instance),
          nextPageToken: end < entries.length ? String(end) : "",
        };
      },
      restartInstance(req, ctx) {
        record("RestartInstance", req, ctx);
        const entry = find(req.id);
        set(entry, InstanceStatus.REBOOT, "SHUTDOWN", OperatingStatus.SHUTDOWN);
        Object.assign(entry, { phase: "rebooting", polls: 0 });
        return { instance: entry.instance };
      },
      stopInstance(req, ctx) {
        record("StopInstance", req, ctx);
        const entry = find(req.id);
        set(entry, InstanceStatus.REBOOT, "HEALTHY", OperatingStatus.HEALTHY);
        Object.assign(entry, { phase: "stopping", polls: 0 });
        return { instance: entry.instance };
      },
      startInstance(req, ctx) {
        record("StartInstance", req, ctx);
        const entry = find(req.id);
        set(entry, InstanceStatus.REBOOT, "SHUTDOWN", OperatingStatus.SHUTDOWN);
        Object.assign(entry, { phase: "rebooting", polls: 0 });
        return { instance: entry.instance };
      },
      updateInstance(req, ctx) {
        record("UpdateInstance", req, ctx);
        const entry = find(req.id);
        const { name, deletionProtection, allowedCidrs, configuration } = req;
        if ([name, deletionProtection, allowedCidrs, configuration].every((v) => v === undefined)) {
          throw new ConnectError("nothing to change", Code.InvalidArgument);
        }
        if (name !== undefined && entries.some((e) => e !== entry && e.instance.name === name)) {
          throw new ConnectError(`instance "${name}" already exists`, Code.AlreadyExists);
        }
        const group = configuration === undefined || configuration === "" ? undefined : fake.configurations.find(configuration);
        Object.assign(entry.instance, {
          updatedAt: timestampNow(),
          ...(name !== undefined && { name }),
          ...(deletionProtection !== undefined && { deletionProtection }),
          ...(allowedCidrs !== undefined && { allowedCidrs: allowedCidrs.cidrs }),
          ...(configuration !== undefined && { configurationId: group?.id ?? "", configurationName: group?.name ?? "" }),
        });
        // Who may connect and the group's values are applied by a task on the server.
        if (allowedCidrs !== undefined || configuration !== undefined) settle(entry, InstanceStatus.UPDATE);
        return { instance: entry.instance };
      },
      listInstanceEvents(req, ctx) {
        record("ListInstanceEvents", req, ctx);
        find(req.id);
        return { events: cannedEvents.slice(0, req.limit || 100) };
      },
      deleteInstance(req, ctx) {
        record("DeleteInstance", req, ctx);
        const entry = find(req.id);
        if (entry.instance.deletionProtection) {
          throw new ConnectError(`instance "${entry.instance.name}" has deletion protection on`, Code.FailedPrecondition);
        }
        set(entry, InstanceStatus.DELETING, "SHUTDOWN", OperatingStatus.SHUTDOWN);
        Object.assign(entry, { phase: "deleting", polls: 0 });
        return { instance: entry.instance };
      },
      resizeInstance(req, ctx) {
        record("ResizeInstance", req, ctx);
        const entry = find(req.id);
        const flavor = catalogue.flavors.find((f) => f.id === req.flavor || f.name === req.flavor);
        if (flavor === undefined) throw new ConnectError(`flavor "${req.flavor}" not found`, Code.NotFound);
        settle(entry, InstanceStatus.RESIZE, (i) => Object.assign(i, { flavor: flavor.name, flavorId: flavor.id }));
        return { instance: entry.instance };
      },
      resizeInstanceVolume(req, ctx) {
        record("ResizeInstanceVolume", req, ctx);
        const entry = find(req.id);
        const current = entry.instance.volume?.sizeGb ?? 0;
        if (req.sizeGb <= current) {
          throw new ConnectError(`size_gb: must be larger than the current ${current} GiB`, Code.InvalidArgument);
        }
        settle(entry, InstanceStatus.RESIZE, (i) => (i.volume = { ...i.volume!, sizeGb: req.sizeGb }));
        return { instance: entry.instance };
      },
      getInstanceConfiguration(req, ctx) {
        record("GetInstanceConfiguration", req, ctx);
        const { instance } = find(req.id);
        return { configurationId: instance.configurationId, parameters: fake.configurations.effective(instance) };
      },
      listInstanceLogs(req, ctx) {
        record("ListInstanceLogs", req, ctx);
        return { logs: find(req.id).logs.list() };
      },
      setInstanceLog(req, ctx) {
        record("SetInstanceLog", req, ctx);
        return { log: find(req.id).logs.set(req.name, req.enabled) };
      },
      readInstanceLog(req, ctx) {
        record("ReadInstanceLog", req, ctx);
        if (fake.failLogReads > 0) {
          fake.failLogReads--;
          throw new ConnectError("gateway restarting", Code.Unavailable);
        }
        return find(req.id).logs.read(req.name, req.lines, req.cursor);
      },
    });
    router.service(DatastoreService, {
      listDatastores(req, ctx) {
        record("ListDatastores", req, ctx);
        return { datastores: catalogue.datastores.filter((d) => d.active).map(publicDatastore) };
      },
      listDatastoreVersions(req, ctx) {
        record("ListDatastoreVersions", req, ctx);
        const found = catalogue.datastores.find((d) => d.active && (d.id === req.datastore || d.name === req.datastore));
        if (found === undefined) throw new ConnectError(`datastore "${req.datastore}" not found`, Code.NotFound);
        return { versions: publicDatastore(found).versions };
      },
    });
    router.service(FlavorService, {
      listFlavors(req, ctx) {
        record("ListFlavors", req, ctx);
        return { flavors: catalogue.flavors };
      },
    });
    const instance = (id: string): Instance => find(id).instance;
    fake.guests = registerFakeGuestServices(router, { record, instance });
    fake.configurations = registerFakeConfigurationService(router, {
      record,
      catalogue,
      instances: () => entries.map((e) => e.instance),
    });
    fake.backups = registerFakeBackupService(router, {
      record,
      instance,
      instances: () => entries.map((e) => e.instance),
      outcome: () => fake.backupOutcome,
    });
    registerFakeManageService(router, catalogue, {
      record,
      adminToken,
      resetInstanceStatus(id) {
        const entry = find(id);
        entry.instance.task = "NONE";
        set(entry, InstanceStatus.ACTIVE, "HEALTHY", OperatingStatus.HEALTHY);
        entry.phase = "steady";
      },
      forceDeleteInstance(id) {
        const entry = find(id);
        if (entry.instance.deletionProtection) {
          throw new ConnectError(`instance "${entry.instance.name}" has deletion protection on`, Code.FailedPrecondition);
        }
        set(entry, InstanceStatus.DELETING, "SHUTDOWN", OperatingStatus.SHUTDOWN);
        Object.assign(entry, { phase: "deleting", polls: 0 });
      },
    });
  };

  const server: Server = createServer(connectNodeAdapter({ routes }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    });
  return fake;
}
