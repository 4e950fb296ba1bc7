// An in-memory Hoard gateway for the CLI tests: the real connect-node stack on a real port, with
// InstanceService, DatastoreService and FlavorService kept in maps. Lifecycles are scripted by polls:
// a created instance is BUILD on its first GetInstance and ACTIVE (or ERROR) on the second; a deleted
// one is DELETING once, then NOT_FOUND; a restarted one is REBOOT once, then ACTIVE.
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { DatastoreService, DatastoreVersionSchema, type DatastoreVersion } from "../../gen/proto/hoard/v1/datastore_pb.js";
import { FlavorService } from "../../gen/proto/hoard/v1/flavor_pb.js";
import {
  FaultSchema,
  InstanceSchema,
  InstanceService,
  InstanceStatus,
  OperatingStatus,
  type CreateInstanceRequest,
  type Instance,
} from "../../gen/proto/hoard/v1/instance_pb.js";

/** How a created instance's build ends. */
export type BuildOutcome = "active" | "error" | "stuck";

/** One RPC as the server saw it. */
export interface RecordedCall {
  method: string;
  authorization: string | null;
  request: unknown;
}

interface Entry {
  instance: Instance;
  phase: "building" | "rebooting" | "deleting" | "steady";
  polls: number;
  outcome: BuildOutcome;
}

export interface FakeHoard {
  url: string;
  calls: RecordedCall[];
  /** Outcome of the next builds; "active" unless a test says otherwise. */
  buildOutcome: BuildOutcome;
  /** Page size when a ListInstances request names none: small, so paging is exercised. */
  defaultPageSize: number;
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1, port 0. `token` is the bearer token it accepts. */
export async function startFakeHoard(token: string): Promise<FakeHoard> {
  const entries: Entry[] = [];
  const fake: FakeHoard = { url: "", calls: [], buildOutcome: "active", defaultPageSize: 2, close: async () => {} };

  const record = (method: string, request: unknown, ctx: HandlerContext): void => {
    const authorization = ctx.requestHeader.get("authorization");
    fake.calls.push({ method, authorization, request });
    if (authorization !== `Bearer ${token}`) throw new ConnectError("missing or invalid bearer token", Code.Unauthenticated);
  };
  const find = (id: string): Entry => {
    const entry = entries.find((e) => e.instance.id === id || e.instance.name === id);
    if (entry === undefined) throw new ConnectError(`instance "${id}" not found`, Code.NotFound);
    return entry;
  };
  const set = (entry: Entry, status: InstanceStatus, serviceStatus: string, operating: OperatingStatus): void => {
    Object.assign(entry.instance, { status, serviceStatus, operatingStatus: operating, updatedAt: timestampNow() });
  };

  const versions: DatastoreVersion[] = [
    create(DatastoreVersionSchema, { id: "v-pg15", name: "15", datastore: "postgresql", manager: "postgresql", active: true }),
    create(DatastoreVersionSchema, { id: "v-pg16", name: "16", datastore: "postgresql", manager: "postgresql", active: true }),
  ];

  const routes = (router: ConnectRouter): void => {
    router.service(InstanceService, {
      createInstance(req: CreateInstanceRequest, ctx) {
        record("CreateInstance", req, ctx);
        if (entries.some((e) => e.instance.name === req.name)) {
          throw new ConnectError(`instance "${req.name}" already exists`, Code.AlreadyExists);
        }
        const instance = create(InstanceSchema, {
          id: randomUUID(),
          name: req.name,
          projectId: "p1",
          status: InstanceStatus.BUILD,
          operatingStatus: OperatingStatus.UNKNOWN,
          datastore: req.datastore,
          datastoreVersion: req.datastoreVersion || "15",
          flavor: req.flavor,
          flavorId: `f-${req.flavor}`,
          volume: { sizeGb: req.volumeSizeGb, kind: "loop", usedBytes: 0n },
          task: "BUILDING",
          serviceStatus: "NEW",
          createdAt: timestampNow(),
          updatedAt: timestampNow(),
        });
        entries.push({ instance, phase: "building", polls: 0, outcome: fake.buildOutcome });
        return { instance };
      },
      getInstance(req, ctx) {
        record("GetInstance", req, ctx);
        const entry = find(req.id);
        entry.polls++;
        if (entry.phase === "building" && entry.outcome !== "stuck") {
          if (entry.polls === 1) set(entry, InstanceStatus.BUILD, "BUILDING", OperatingStatus.STARTING);
          else if (entry.outcome === "error") {
            set(entry, InstanceStatus.ERROR, "FAILED", OperatingStatus.FAILED);
            entry.instance.fault = create(FaultSchema, {
              message: "initdb failed: disk full",
              details: "step prepare",
              createdAt: timestampNow(),
            });
            entry.phase = "steady";
          } else {
            set(entry, InstanceStatus.ACTIVE, "HEALTHY", OperatingStatus.HEALTHY);
            Object.assign(entry.instance, { host: "127.0.0.2", port: 5432, task: "NONE" });
            entry.instance.volume = { ...entry.instance.volume!, usedBytes: 41_943_040n };
            entry.phase = "steady";
          }
        } else if (entry.phase === "rebooting" && entry.polls > 1) {
          set(entry, InstanceStatus.ACTIVE, "HEALTHY", OperatingStatus.HEALTHY);
          entry.phase = "steady";
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
      deleteInstance(req, ctx) {
        record("DeleteInstance", req, ctx);
        const entry = find(req.id);
        set(entry, InstanceStatus.DELETING, "SHUTDOWN", OperatingStatus.SHUTDOWN);
        Object.assign(entry, { phase: "deleting", polls: 0 });
        return { instance: entry.instance };
      },
    });
    router.service(DatastoreService, {
      listDatastores(req, ctx) {
        record("ListDatastores", req, ctx);
        return { datastores: [{ id: "ds-pg", name: "postgresql", defaultVersion: "15", versions }] };
      },
      listDatastoreVersions(req, ctx) {
        record("ListDatastoreVersions", req, ctx);
        if (req.datastore !== "postgresql" && req.datastore !== "ds-pg") {
          throw new ConnectError(`datastore "${req.datastore}" not found`, Code.NotFound);
        }
        return { versions };
      },
    });
    router.service(FlavorService, {
      listFlavors(req, ctx) {
        record("ListFlavors", req, ctx);
        return { flavors: [{ id: "f-small", name: "small", vcpus: 1, ramMb: 1024 }] };
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
