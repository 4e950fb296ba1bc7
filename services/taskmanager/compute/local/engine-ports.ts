// The standard port of each engine. A loopback-addressed instance listens on its engine's usual
// port, as a Trove instance does on its own IP, so clients need no port in their connection string.

import { UnknownEngineError } from "./errors.js";

const STANDARD_PORTS: Readonly<Record<string, number>> = Object.freeze({
  postgresql: 5432,
  mariadb: 3306,
  mysql: 3306,
  redis: 6379,
});

/** Standard port of `engine`; throws UnknownEngineError for an engine this table does not know. */
export function standardPort(engine: string): number {
  const port = Object.hasOwn(STANDARD_PORTS, engine) ? STANDARD_PORTS[engine] : undefined;
  if (port === undefined) throw new UnknownEngineError(`no standard port for engine "${engine}"`);
  return port;
}
