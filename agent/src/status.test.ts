import { describe, expect, it } from "vitest";
import { ServiceStatus as S } from "../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import type { ServiceHealth } from "./datastores/manager.js";
import { serviceStatusOf, type Desired, type Phase } from "./status.js";

const healths: Record<string, ServiceHealth | undefined> = {
  unprobed: undefined,
  HEALTHY: { state: "HEALTHY" },
  RUNNING: { state: "RUNNING", detail: "recovering" },
  SHUTDOWN: { state: "SHUTDOWN" },
  CRASHED: { state: "CRASHED", detail: "postmaster is gone" },
};

// For a prepared instance: [desired][probe] -> [status, detail].
const prepared: Record<Desired, Record<string, [S, string]>> = {
  running: {
    unprobed: [S.RUNNING, "starting"],
    HEALTHY: [S.HEALTHY, ""],
    RUNNING: [S.RUNNING, "recovering"],
    SHUTDOWN: [S.CRASHED, "server is not running although it should be"],
    CRASHED: [S.CRASHED, "postmaster is gone"],
  },
  stopped: {
    unprobed: [S.SHUTDOWN, ""],
    HEALTHY: [S.HEALTHY, ""],
    RUNNING: [S.RUNNING, "recovering"],
    SHUTDOWN: [S.SHUTDOWN, ""],
    CRASHED: [S.SHUTDOWN, ""],
  },
};

describe("serviceStatusOf", () => {
  for (const [desired, row] of Object.entries(prepared)) {
    for (const [probe, [status, detail]] of Object.entries(row)) {
      it(`prepared, should be ${desired}, probe ${probe} -> ${S[status]}`, () => {
        expect(serviceStatusOf({ kind: "prepared" }, desired as Desired, healths[probe])).toEqual({ status, detail });
      });
    }
  }

  const early: Array<[Phase, S, string]> = [
    [{ kind: "new" }, S.NEW, ""],
    [{ kind: "preparing" }, S.BUILDING, ""],
    [{ kind: "failed", detail: "prepare failed: initdb exited 1" }, S.FAILED, "prepare failed: initdb exited 1"],
  ];
  for (const [phase, status, detail] of early) {
    it(`${phase.kind} -> ${S[status]} whatever the probe says`, () => {
      for (const health of Object.values(healths)) {
        for (const desired of ["running", "stopped"] as const) {
          expect(serviceStatusOf(phase, desired, health)).toEqual({ status, detail });
        }
      }
    });
  }
});
