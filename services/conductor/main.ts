// Conductor wiring: NATS queue-group subscription for agent reports, and the silence sweeper.
import { connect as connectNats } from "@nats-io/transport-node";
import type { PlatformConfig } from "../platform/config.js";
import type { Db } from "../platform/db/index.js";
import type { Logger } from "../platform/logger.js";
import { conductorQueue, conductorWildcard } from "../platform/subjects.js";
import { handleHeartbeat } from "./handlers/heartbeat.js";
import { createReportStore } from "./store/reports.js";

export interface Conductor {
  stop(): Promise<void>;
}

export async function startConductor(platform: PlatformConfig, db: Db, rootLogger: Logger): Promise<Conductor> {
  const logger = rootLogger.child({ component: "conductor" });
  const store = createReportStore(db);
  const nc = await connectNats({ servers: platform.natsUrl, name: "hoard-conductor", maxReconnectAttempts: -1 });
  let pending = Promise.resolve();
  nc.subscribe(conductorWildcard("heartbeat"), {
    queue: conductorQueue,
    callback: (err, msg) => {
      if (err) return logger.error({ err }, "heartbeat subscription failed");
      // Applied one after another, in arrival order, so a burst never reorders one instance's reports.
      pending = pending.then(() => handleHeartbeat(msg, store, logger)).catch((e: unknown) => logger.error({ err: e }, "heartbeat not applied"));
    },
  });

  const sweepEvery = Math.max(500, Math.floor(platform.heartbeatExpiryMs / 4));
  const startedAt = Date.now();
  const sweeper = setInterval(() => {
    // Reports sent while no conductor ran were lost: give every agent one expiry to be heard again.
    if (Date.now() - startedAt < platform.heartbeatExpiryMs) return;
    store
      .markSilent(new Date(Date.now() - platform.heartbeatExpiryMs))
      .then((ids) => ids.forEach((instanceId) => logger.warn({ instanceId }, "guest agent fell silent")))
      .catch((err: unknown) => logger.error({ err }, "silence sweep failed"));
  }, sweepEvery);
  logger.info({ expiryMs: platform.heartbeatExpiryMs }, "conductor listening");

  return {
    async stop() {
      clearInterval(sweeper);
      await nc.drain();
      await pending;
    },
  };
}
