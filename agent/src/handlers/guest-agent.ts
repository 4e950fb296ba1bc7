// hoard.guestagent.v1.GuestAgentService: protobuf in, protobuf out; the work is the lifecycle's.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import type { NatsConnection } from "@nats-io/transport-node";
import { GuestAgentService } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { backupProgressHandlers, createBackupProgressRegistry } from "../backup-progress.js";
import type { Lifecycle } from "../lifecycle.js";
import { adminHandlers } from "./admin.js";
import { backupHandlers } from "./backups.js";
import { logHandlers } from "./logs.js";
import { toPrepareSpec, toServerSettings } from "./prepare-spec.js";
import { adoptWalArchive, walHandlers, type AgentWal } from "./wal.js";

export interface GuestAgentHandlerDeps {
  instanceId: string;
  /**
   * The instance's engine (AgentConfig.engine), whose name rules the administrative RPCs apply.
   * When absent, they check only that names are not empty and leave the rules to the engine's manager.
   */
  engine?: string;
  lifecycle: Lifecycle;
  /** The agent's NATS connection, for backups kept in a JetStream object store. */
  nc?: NatsConnection;
  /** The instance's WAL archive and shipper, for engines that archive WAL. */
  wal?: AgentWal;
}

export function registerGuestAgentService(router: ConnectRouter, deps: GuestAgentHandlerDeps): void {
  const { instanceId, lifecycle } = deps;
  const progress = createBackupProgressRegistry();
  const service: ServiceImpl<typeof GuestAgentService> = {
    ...adminHandlers(deps.engine, lifecycle),
    ...logHandlers(lifecycle),
    ...backupHandlers(lifecycle, deps.nc, deps.wal, progress),
    ...backupProgressHandlers(progress),
    ...walHandlers(lifecycle, deps.wal, deps.nc),
    ping() {
      return { instanceId, pid: process.pid, prepared: lifecycle.prepared };
    },
    async prepare(req, ctx) {
      const spec = toPrepareSpec(req);
      await adoptWalArchive(deps.wal, lifecycle, req.walArchive);
      await lifecycle.prepare(spec, ctx.signal);
      return {};
    },
    async start(_req, ctx) {
      await lifecycle.start(ctx.signal);
      return {};
    },
    async stop(_req, ctx) {
      await lifecycle.stop(ctx.signal);
      return {};
    },
    async restart(_req, ctx) {
      await lifecycle.restart(ctx.signal);
      return {};
    },
    async getStatus() {
      const snapshot = await lifecycle.probe();
      return {
        status: snapshot.status,
        detail: snapshot.detail,
        volumeUsedBytes: BigInt(Math.max(0, Math.trunc(snapshot.volumeUsedBytes))),
        volumeTotalBytes: BigInt(Math.max(0, Math.trunc(snapshot.volumeTotalBytes))),
        probedAt: timestampFromDate(snapshot.probedAt),
      };
    },
    async configure(req, ctx) {
      return lifecycle.configure(toServerSettings(req), ctx.signal);
    },
    async getParameters(req, ctx) {
      return { values: await lifecycle.effectiveParameters(req.names, ctx.signal) };
    },
  };
  router.service(GuestAgentService, service);
}
