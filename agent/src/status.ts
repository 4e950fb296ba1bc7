// The service status the agent reports (heartbeats, GetStatus), derived in one pure function from
// where the instance is in its life, whether the server should run, and what the last probe saw.
import { ServiceStatus } from "../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import type { ServiceHealth } from "./datastores/manager.js";

/** Where the instance is in its life, as far as the agent knows. */
export type Phase =
  | { kind: "new" } // nothing prepared yet
  | { kind: "preparing" }
  | { kind: "failed"; detail: string } // the last prepare failed; a new Prepare retries
  | { kind: "prepared" };

/** Whether the server should run: Stop sets "stopped" until Start, Restart or Prepare. */
export type Desired = "running" | "stopped";

export interface StatusReport {
  status: ServiceStatus;
  /** Why, when not healthy; empty otherwise. */
  detail: string;
}

/**
 * The status to report. `health` is the last probe; undefined while a stopped server is being
 * started and before the first probe. A server that is down although it should run is CRASHED
 * whatever the probe calls it (a SHUTDOWN probe then means someone stopped it behind the agent's
 * back); a server that should be down is SHUTDOWN even when the engine thinks it crashed.
 */
export function serviceStatusOf(phase: Phase, desired: Desired, health: ServiceHealth | undefined): StatusReport {
  switch (phase.kind) {
    case "new":
      return { status: ServiceStatus.NEW, detail: "" };
    case "preparing":
      return { status: ServiceStatus.BUILDING, detail: "" };
    case "failed":
      return { status: ServiceStatus.FAILED, detail: phase.detail };
    case "prepared":
      break;
  }
  if (health === undefined) {
    return desired === "running"
      ? { status: ServiceStatus.RUNNING, detail: "starting" }
      : { status: ServiceStatus.SHUTDOWN, detail: "" };
  }
  switch (health.state) {
    case "HEALTHY":
      return health.restartPending
        ? { status: ServiceStatus.RESTART_REQUIRED, detail: "settings changed that only a restart applies" }
        : { status: ServiceStatus.HEALTHY, detail: "" };
    case "RUNNING":
      return { status: ServiceStatus.RUNNING, detail: health.detail };
    case "SHUTDOWN":
      return desired === "running"
        ? { status: ServiceStatus.CRASHED, detail: "server is not running although it should be" }
        : { status: ServiceStatus.SHUTDOWN, detail: "" };
    case "CRASHED":
      return desired === "running"
        ? { status: ServiceStatus.CRASHED, detail: health.detail }
        : { status: ServiceStatus.SHUTDOWN, detail: "" };
  }
}

/** True when the probe says the server process is up (answering queries or not). */
export function isUp(health: ServiceHealth): boolean {
  return health.state === "HEALTHY" || health.state === "RUNNING";
}
