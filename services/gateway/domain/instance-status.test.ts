import { describe, expect, it } from "vitest";
import { InstanceStatus as S, OperatingStatus as O } from "../../../gen/proto/hoard/v1/instance_pb.js";
import { deriveStatus, serviceStatuses, taskStatuses } from "./instance-status.js";

// Every (task, service) pair the code can store, with the status a user must see.
const expected: Record<string, Record<string, [S, O]>> = {
  NONE: {
    NEW: [S.ERROR, O.STARTING],
    BUILDING: [S.ERROR, O.STARTING],
    RUNNING: [S.REBOOT, O.STARTING],
    HEALTHY: [S.ACTIVE, O.HEALTHY],
    RESTART_REQUIRED: [S.RESTART_REQUIRED, O.HEALTHY],
    SHUTDOWN: [S.SHUTDOWN, O.SHUTDOWN],
    CRASHED: [S.ERROR, O.FAILED],
    FAILED: [S.ERROR, O.FAILED],
    UNKNOWN: [S.ERROR, O.UNKNOWN],
  },
  BUILDING: {
    NEW: [S.BUILD, O.STARTING],
    BUILDING: [S.BUILD, O.STARTING],
    RUNNING: [S.BUILD, O.STARTING],
    HEALTHY: [S.BUILD, O.HEALTHY],
    RESTART_REQUIRED: [S.BUILD, O.HEALTHY],
    SHUTDOWN: [S.BUILD, O.SHUTDOWN],
    CRASHED: [S.BUILD, O.FAILED],
    FAILED: [S.BUILD, O.FAILED],
    UNKNOWN: [S.BUILD, O.UNKNOWN],
  },
  RESTARTING: Object.fromEntries(
    serviceStatuses.map((s) => [s, [S.REBOOT, deriveStatus({ task: "NONE", service: s }).operating]]),
  ),
  STOPPING: Object.fromEntries(
    serviceStatuses.map((s) => [s, [S.REBOOT, deriveStatus({ task: "NONE", service: s }).operating]]),
  ),
  STARTING: Object.fromEntries(
    serviceStatuses.map((s) => [s, [S.REBOOT, deriveStatus({ task: "NONE", service: s }).operating]]),
  ),
  RESIZING: Object.fromEntries(
    serviceStatuses.map((s) => [s, [S.RESIZE, deriveStatus({ task: "NONE", service: s }).operating]]),
  ),
  CONFIGURING: Object.fromEntries(
    serviceStatuses.map((s) => [s, [S.UPDATE, deriveStatus({ task: "NONE", service: s }).operating]]),
  ),
  BACKING_UP: Object.fromEntries(
    serviceStatuses.map((s) => [s, [S.BACKUP, deriveStatus({ task: "NONE", service: s }).operating]]),
  ),
  DELETING: Object.fromEntries(
    serviceStatuses.map((s) => [s, [S.DELETING, deriveStatus({ task: "NONE", service: s }).operating]]),
  ),
  FAILED: Object.fromEntries(
    serviceStatuses.map((s) => [s, [S.ERROR, deriveStatus({ task: "NONE", service: s }).operating]]),
  ),
};

describe("deriveStatus", () => {
  for (const task of taskStatuses) {
    for (const service of serviceStatuses) {
      it(`task ${task} + service ${service}`, () => {
        const [status, operating] = expected[task]?.[service] ?? [];
        expect(deriveStatus({ task, service })).toEqual({ status, operating });
      });
    }
  }

  it("treats an unknown stored value as an error, never as healthy", () => {
    expect(deriveStatus({ task: "BOGUS", service: "HEALTHY" }).status).toBe(S.ERROR);
    expect(deriveStatus({ task: "NONE", service: "BOGUS" })).toEqual({ status: S.ERROR, operating: O.UNKNOWN });
  });
});
