// Where each part of an instance lives on disk. The id becomes a path segment under which
// destroy runs `rm -rf`, so it is checked here, once, before any path is built from it.

import path from "node:path";
import { InvalidInstanceSpecError } from "./errors.js";

/** The directories and files of one instance. */
export interface InstancePaths {
  root: string;
  /** Mount point of the data volume (or the plain directory standing in for it). */
  volume: string;
  /** Backing file of a loop volume. */
  volumeImage: string;
  dataDir: string;
  /** Sockets and pid files; deliberately not on the volume. */
  runDir: string;
  logDir: string;
  config: string;
  agentPid: string;
  agentLog: string;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** True when `id` is a single, harmless path segment. */
export function isValidInstanceId(id: string): boolean {
  return SAFE_ID.test(id) && !id.includes("..");
}

/** Throws unless `id` is a single, harmless path segment. */
export function assertInstanceId(id: string): void {
  if (!isValidInstanceId(id)) {
    throw new InvalidInstanceSpecError(`instance id must match ${SAFE_ID.source} without "..": ${JSON.stringify(id)}`);
  }
}

/** Paths of instance `id` under `instancesDir`. */
export function instancePaths(instancesDir: string, id: string): InstancePaths {
  assertInstanceId(id);
  const root = path.join(instancesDir, id);
  const runDir = path.join(root, "run");
  const logDir = path.join(root, "logs");
  const volume = path.join(root, "volume");
  return {
    root,
    volume,
    volumeImage: path.join(root, "volume.img"),
    dataDir: path.join(volume, "data"),
    runDir,
    logDir,
    config: path.join(root, "instance.json"),
    agentPid: path.join(runDir, "agent.pid"),
    agentLog: path.join(logDir, "agent.log"),
  };
}
