// Guest agent entry point (wiring only): `node dist/agent/src/main.js` with
// HOARD_INSTANCE_CONFIG=<instance.json>, started detached by the compute provider. SIGTERM or
// SIGINT drain NATS and exit; the database server is left running for the next agent.
import { createLogger } from "../../services/platform/logger.js";
import { startAgent, type Agent } from "./agent.js";
import { loadAgentConfig, type AgentConfig } from "./config.js";
import { managerFactoryFor } from "./datastores/registry.js";
import type { DatastoreManagerFactory } from "./datastores/manager.js";

const logger = createLogger("agent");
let config: AgentConfig;
let managerFactory: DatastoreManagerFactory;
try {
  config = loadAgentConfig(process.env);
  managerFactory = managerFactoryFor(config.engine, { logger });
} catch (err) {
  process.stderr.write(`hoard-agent: ${(err as Error).message}\n`);
  process.exit(78); // EX_CONFIG: restarting with the same instance.json will not help
}

const log = logger.child({ component: "agent", instanceId: config.instanceId });
let agent: Agent | undefined;
let stopping = false;

async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "signal received; exiting");
  try {
    await agent?.close();
  } catch (err) {
    log.error({ err }, "draining nats failed");
  }
  process.exit(0);
}

process.on("SIGTERM", (signal) => void shutdown(signal));
process.on("SIGINT", (signal) => void shutdown(signal));
process.on("unhandledRejection", (err) => {
  log.fatal({ err }, "unhandled rejection; exiting so the agent is restarted clean");
  process.exit(1);
});

try {
  agent = await startAgent(config, { managerFactory, logger });
} catch (err) {
  log.fatal({ err }, "agent failed to start");
  process.exit(1);
}
void agent.closed.then((err) => {
  if (stopping) return;
  log.fatal({ err }, "nats connection closed for good; exiting");
  process.exit(1);
});
