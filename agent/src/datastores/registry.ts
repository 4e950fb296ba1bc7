// Engine id (as in instance.json and the datastore catalogue) to the factory of its manager.
// Adding an engine is one import and one entry here; the agent knows nothing else about engines.
import type { Logger } from "../../../services/platform/logger.js";
import type { DatastoreManager, DatastoreManagerFactory, InstanceLayout } from "./manager.js";
import { createMariadbManager } from "./mariadb/index.js";
import { createPostgresqlManager } from "./postgresql/index.js";
import { createRedisManager } from "./redis/index.js";

/** What the agent hands every engine besides the layout. */
export interface EngineOptions {
  /** The agent's root logger; engines add their own component and the instance id. */
  logger: Logger;
}

type EngineFactory = (layout: InstanceLayout, options: EngineOptions) => DatastoreManager;

const engines: ReadonlyMap<string, EngineFactory> = new Map<string, EngineFactory>([
  ["mariadb", (layout, { logger }) => createMariadbManager(layout, { logger })],
  ["postgresql", (layout, { logger }) => createPostgresqlManager(layout, { logger })],
  ["redis", (layout, { logger }) => createRedisManager(layout, { logger })],
]);

/** Engine ids this agent build can run. */
export const supportedEngines: readonly string[] = Object.freeze([...engines.keys()]);

/** The engine id has no manager in this agent build. */
export class UnsupportedEngineError extends Error {
  override readonly name = "UnsupportedEngineError";
}

/** The manager factory of `engine`; throws UnsupportedEngineError naming the engines there are. */
export function managerFactoryFor(engine: string, options: EngineOptions): DatastoreManagerFactory {
  const factory = engines.get(engine);
  if (!factory) {
    throw new UnsupportedEngineError(`engine "${engine}" is not supported by this agent (supported: ${supportedEngines.join(", ")})`);
  }
  return (layout) => factory(layout, options);
}
