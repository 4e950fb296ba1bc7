// Decodes agent heartbeats from NATS and applies them. A malformed message is logged and dropped:
// one broken agent must not stop the conductor serving the others.
import { fromBinary } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Msg } from "@nats-io/transport-node";
import { HeartbeatRequestSchema } from "../../../gen/proto/hoard/conductor/v1/conductor_pb.js";
import { ServiceStatus } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import type { Logger } from "../../platform/logger.js";
import { instanceIdOf } from "../../platform/subjects.js";
import type { ReportStore } from "../store/reports.js";

export async function handleHeartbeat(msg: Msg, store: ReportStore, logger: Logger): Promise<void> {
  const subjectInstance = instanceIdOf(msg.subject);
  const beat = fromBinary(HeartbeatRequestSchema, msg.data);
  // The subject is what NATS permissions bind an agent to; a body naming another instance is forged.
  if (beat.instanceId !== subjectInstance || !beat.sentAt) {
    logger.warn({ subject: msg.subject, claimed: beat.instanceId }, "heartbeat dropped: instance mismatch or no sent_at");
    return;
  }
  const status = ServiceStatus[beat.status];
  if (!status || beat.status === ServiceStatus.UNSPECIFIED) {
    logger.warn({ instanceId: subjectInstance, status: beat.status }, "heartbeat dropped: unknown status");
    return;
  }
  const applied = await store.apply(
    {
      instanceId: beat.instanceId,
      sentAt: timestampDate(beat.sentAt),
      serviceStatus: status,
      detail: beat.detail,
      volumeUsedBytes: beat.volumeUsedBytes,
      // 0 is "not measured" (an older agent, or a volume not mounted yet): keep what we had.
      volumeTotalBytes: beat.volumeTotalBytes > 0n ? beat.volumeTotalBytes : undefined,
    },
    new Date(),
  );
  logger.debug({ instanceId: beat.instanceId, status, applied }, "heartbeat");
}
