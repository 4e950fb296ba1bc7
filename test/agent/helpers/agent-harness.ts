// What the agent tests share: an instance layout in a temp directory, a typed client over NATS as
// the taskmanager would hold one, and a recorder of the heartbeats an agent publishes.
import { fromBinary } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { HeartbeatRequestSchema, type HeartbeatRequest } from "../../../gen/proto/hoard/conductor/v1/conductor_pb.js";
import { GuestAgentService, ServiceStatus } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { createNatsTransport } from "../../../services/platform/nats-rpc.js";
import { agentSubject, conductorSubject } from "../../../services/platform/subjects.js";

export type AgentClient = Client<typeof GuestAgentService>;

export function agentClient(nc: NatsConnection, instanceId: string, defaultTimeoutMs = 5000): AgentClient {
  return createClient(
    GuestAgentService,
    createNatsTransport(nc, {
      subjectOf: (method) => agentSubject(instanceId, method),
      peer: `guest agent of instance ${instanceId}`,
      defaultTimeoutMs,
    }),
  );
}

/** A fresh instance.json body whose directories live under a new temp root. */
export async function instanceJson(natsUrl: string, instanceId: string): Promise<Record<string, unknown>> {
  const root = await mkdtemp(path.join(os.tmpdir(), "hoard-agent-"));
  return {
    instanceId,
    engine: "fake",
    binDir: "/usr/bin",
    host: "127.0.0.1",
    port: 5432,
    volumeKind: "directory",
    volumeSizeGb: 1,
    root,
    dataDir: path.join(root, "volume", "data"),
    runDir: path.join(root, "run"),
    logDir: path.join(root, "logs"),
    cacheDir: path.join(root, "cache"),
    runAs: null,
    natsUrl,
  };
}

/** Records every heartbeat of one instance, decoded, in arrival order. */
export class HeartbeatRecorder {
  readonly received: HeartbeatRequest[] = [];
  private readonly sub: Subscription;
  private waiters: Array<() => void> = [];

  constructor(nc: NatsConnection, instanceId: string) {
    this.sub = nc.subscribe(conductorSubject(instanceId, "heartbeat"), {
      callback: (_err, msg) => {
        this.received.push(fromBinary(HeartbeatRequestSchema, msg.data));
        for (const wake of this.waiters.splice(0)) wake();
      },
    });
  }

  statuses(): string[] {
    return this.received.map((h) => ServiceStatus[h.status]);
  }

  /** The first heartbeat at index >= `from` that matches; rejects after `timeoutMs`. */
  async waitFor(match: (h: HeartbeatRequest) => boolean, timeoutMs = 5000, from = 0): Promise<HeartbeatRequest & { index: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex((h, i) => i >= from && match(h));
      const found = this.received[index];
      if (found) return Object.assign(found, { index });
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching heartbeat within ${timeoutMs} ms; got ${this.statuses().join(", ") || "none"}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for a heartbeat with `status`, counting only those after the current last one. */
  next(status: ServiceStatus, timeoutMs = 5000): Promise<HeartbeatRequest & { index: number }> {
    return this.waitFor((h) => h.status === status, timeoutMs, this.received.length);
  }

  close(): void {
    this.sub.unsubscribe();
  }
}
