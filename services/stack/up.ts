// `hoard up` and `hoard serve <service>`: start the control plane in the foreground. `up` runs
// all three services in one process on the embedded default (and NATS when none answers);
// `serve` runs one, for deployments that scale them apart.
import fs from "node:fs";
import { loadPlatformConfig } from "../platform/config.js";
import { createDb, migrateDb } from "../platform/db/index.js";
import { createLogger } from "../platform/logger.js";
import { startConductor } from "../conductor/main.js";
import { startGateway } from "../gateway/main.js";
import { startTaskmanager } from "../taskmanager/main.js";
import { bootstrap } from "./bootstrap.js";
import { ensureNats } from "./nats-child.js";

export type ServiceName = "gateway" | "taskmanager" | "conductor";
export const serviceNames: ServiceName[] = ["gateway", "taskmanager", "conductor"];

interface Stoppable {
  stop(): Promise<void>;
}

/** Runs the given services until SIGINT/SIGTERM; database instances keep running after it stops. */
export async function runServices(services: ServiceName[], options: { startNats: boolean }): Promise<void> {
  const platform = loadPlatformConfig();
  const logger = createLogger(services.length === 1 ? `hoard-${services[0]}` : "hoard");
  fs.mkdirSync(platform.home, { recursive: true });
  const stack: Stoppable[] = [];
  const nats = options.startNats ? await ensureNats(platform.natsUrl, platform.home, logger) : undefined;
  if (nats) stack.push(nats);

  await migrateDb(platform.databaseUrl);
  const db = createDb(platform.databaseUrl);
  stack.push({ stop: () => db.$disconnect() });
  // The gateway's process seeds the catalogue and the admin token: it is what users reach first,
  // and one writer avoids racing services that start together.
  const { adminTokenFile } = services.includes("gateway") ? await bootstrap(db, platform.home, logger) : { adminTokenFile: "" };

  // Started in dependency order, stopped in reverse.
  if (services.includes("conductor")) stack.push(await startConductor(platform, db, logger));
  if (services.includes("taskmanager")) stack.push(await startTaskmanager(platform, db, logger));
  if (services.includes("gateway")) {
    const gateway = await startGateway(platform, db, logger);
    stack.push(gateway);
    logger.info({ url: `http://${gateway.address.host}:${gateway.address.port}`, adminTokenFile, home: platform.home }, "hoard is up");
  }

  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  logger.info("stopping; database instances keep running");
  for (const s of stack.reverse()) {
    await s.stop().catch((err: unknown) => logger.error({ err }, "stop failed"));
  }
}
