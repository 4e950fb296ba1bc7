// Which instances may take a synchronous guest call, and what an engine supports: refused here,
// with a message naming the instance or the engine, before anything reaches the agent.
import { FailedPreconditionError, InvalidArgumentError } from "../../platform/errors.js";
import { checkDatabaseName, checkPassword, checkUserHost, checkUserName, hasDatabases } from "../../platform/datastore-names.js";
import type { InstanceRow } from "../store/instances.js";
import { deriveStatus } from "./instance-status.js";
import { InstanceStatus } from "../../../gen/proto/hoard/v1/instance_pb.js";

/** The instance's database server must be up and no workflow may be running on it. */
/** The server answers queries: ACTIVE, or RESTART_REQUIRED (running fine, with settings pending). */
export function requireReady(row: InstanceRow): void {
  const { status } = deriveStatus({ task: row.taskStatus, service: row.serviceStatus });
  if (status !== InstanceStatus.ACTIVE && status !== InstanceStatus.RESTART_REQUIRED) {
    throw new FailedPreconditionError(`instance "${row.name}" is ${InstanceStatus[status]}; try again when it is ACTIVE`);
  }
}

/** The instance has a guest agent to ask (its logs are readable even with the server stopped). */
export function requireAgent(row: InstanceRow): void {
  if (row.computeStatus !== "RUNNING" || row.taskStatus === "BUILDING" || row.taskStatus === "DELETING") {
    const { status } = deriveStatus({ task: row.taskStatus, service: row.serviceStatus });
    throw new FailedPreconditionError(`instance "${row.name}" is ${InstanceStatus[status]}; its guest agent cannot be asked yet`);
  }
}

export function engineOf(row: InstanceRow): string {
  return row.datastoreVersion.manager;
}

export function requireDatabases(row: InstanceRow): void {
  const engine = engineOf(row);
  if (!hasDatabases(engine)) throw new FailedPreconditionError(`${engine} has no databases (instance "${row.name}")`);
}

/** Per-database grants exist only where databases do. */
export function requireGrants(row: InstanceRow): void {
  const engine = engineOf(row);
  if (!hasDatabases(engine)) throw new FailedPreconditionError(`${engine} users have no per-database grants (instance "${row.name}")`);
}

export function checkDatabase(row: InstanceRow, field: string, name: string): void {
  const problem = checkDatabaseName(engineOf(row), name);
  if (problem) throw new InvalidArgumentError(field, problem);
}

export function checkUser(row: InstanceRow, field: string, name: string, host: string): void {
  const problem = checkUserName(engineOf(row), name);
  if (problem) throw new InvalidArgumentError(field, problem);
  const hostProblem = checkUserHost(engineOf(row), host);
  if (hostProblem) throw new InvalidArgumentError("host", hostProblem);
}

export function checkNewPassword(field: string, password: string): void {
  const problem = checkPassword(password);
  if (problem) throw new InvalidArgumentError(field, problem);
}
