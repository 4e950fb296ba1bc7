// What --wait makes of the statuses it sees, with a scripted GetInstance: an instance taking a backup
// (BACKUP) is on its way back to where it was, so a wait for ACTIVE keeps polling through it.
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import type { HoardClients } from "../../cli/connection.js";
import { waitForActive, waitForTask, type WaitOptions } from "../../cli/wait.js";
import { InstanceSchema, InstanceStatus, type Instance } from "../../gen/proto/hoard/v1/instance_pb.js";

/** A client whose GetInstance answers the statuses in turn, then the last one for good. */
function scripted(statuses: InstanceStatus[]): { clients: HoardClients; polls: () => number } {
  let polls = 0;
  const getInstance = (): Promise<{ instance: Instance }> => {
    const status = statuses[Math.min(polls++, statuses.length - 1)] ?? InstanceStatus.UNSPECIFIED;
    return Promise.resolve({ instance: create(InstanceSchema, { id: "i-1", name: "db1", status, serviceStatus: "HEALTHY" }) });
  };
  return { clients: { instances: { getInstance } } as unknown as HoardClients, polls: () => polls };
}

function options(lines: string[], timeoutSeconds = 5): WaitOptions {
  return { timeoutSeconds, pollIntervalMs: 1, progress: (line) => lines.push(line) };
}

describe("waiting through BACKUP", () => {
  it("a wait for ACTIVE keeps polling while the instance shows BACKUP", async () => {
    const lines: string[] = [];
    const { clients, polls } = scripted([InstanceStatus.BACKUP, InstanceStatus.BACKUP, InstanceStatus.ACTIVE]);
    const instance = await waitForActive(clients, "i-1", "db1", options(lines));
    expect(instance.status).toBe(InstanceStatus.ACTIVE);
    expect(polls()).toBe(3);
    expect(lines).toEqual(["db1: BACKUP (HEALTHY)", "db1: ACTIVE (HEALTHY)"]);
  });

  it("a wait for a task to finish keeps polling while the instance shows BACKUP", async () => {
    const lines: string[] = [];
    const { clients } = scripted([InstanceStatus.UPDATE, InstanceStatus.BACKUP, InstanceStatus.RESTART_REQUIRED]);
    const instance = await waitForTask(clients, "i-1", "db1", "updating", options(lines));
    expect(instance.status).toBe(InstanceStatus.RESTART_REQUIRED);
    expect(lines).toEqual(["db1: UPDATE (HEALTHY)", "db1: BACKUP (HEALTHY)", "db1: RESTART_REQUIRED (HEALTHY)"]);
  });

  it("an instance that stays in BACKUP times out naming it", async () => {
    const { clients } = scripted([InstanceStatus.BACKUP]);
    await expect(waitForActive(clients, "i-1", "db1", options([], 1))).rejects.toThrow(
      "timed out after 1s waiting for db1 to become ACTIVE (last seen: BACKUP (HEALTHY))",
    );
  });
});
