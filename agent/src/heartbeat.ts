// Heartbeats to the conductor: a HeartbeatRequest published as protobuf on
// hoard.conductor.<id>.heartbeat every intervalMs, and at once when the status changes, so the
// control plane learns of a crash within a probe interval rather than a heartbeat interval.
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { NatsConnection } from "@nats-io/transport-node";
import { HeartbeatRequestSchema } from "../../gen/proto/hoard/conductor/v1/conductor_pb.js";
import type { Logger } from "../../services/platform/logger.js";
import { conductorSubject } from "../../services/platform/subjects.js";
import type { StatusReport } from "./status.js";

/** What one heartbeat says, read fresh for every beat. */
export interface HeartbeatFacts extends StatusReport {
  volumeUsedBytes: number;
  volumeTotalBytes: number;
  crashRestarts: number;
}

export interface HeartbeatOptions {
  nc: NatsConnection;
  instanceId: string;
  intervalMs: number;
  facts: () => HeartbeatFacts;
  /** Called after each periodic beat, to measure what the next one reports (volume usage). */
  refresh?: () => void;
  logger: Logger;
}

export interface Heartbeat {
  /** Publishes now and restarts the interval. */
  beat(): void;
  stop(): void;
}

export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const { nc, instanceId, intervalMs } = options;
  const log = options.logger.child({ unit: "heartbeat" });
  const subject = conductorSubject(instanceId, "heartbeat");
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failing = false;

  function publish(): void {
    const facts = options.facts();
    const message = create(HeartbeatRequestSchema, {
      instanceId,
      sentAt: timestampFromDate(new Date()),
      status: facts.status,
      detail: facts.detail,
      volumeUsedBytes: BigInt(Math.max(0, Math.trunc(facts.volumeUsedBytes))),
      volumeTotalBytes: BigInt(Math.max(0, Math.trunc(facts.volumeTotalBytes))),
      crashRestarts: facts.crashRestarts,
    });
    try {
      // While NATS is away the client buffers publishes and flushes them on reconnect.
      nc.publish(subject, toBinary(HeartbeatRequestSchema, message));
      if (failing) log.info("heartbeats flowing again");
      failing = false;
    } catch (err) {
      if (!failing) log.warn({ err }, "publishing a heartbeat failed");
      failing = true;
    }
  }

  function arm(): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      publish();
      options.refresh?.();
      arm();
    }, intervalMs);
  }

  publish();
  arm();
  return {
    beat() {
      if (stopped) return;
      publish();
      arm();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
