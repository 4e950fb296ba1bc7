import { describe, expect, it } from "vitest";
import { BackupState } from "../../../gen/proto/hoard/v1/backup_pb.js";
import { InstanceStatus, OperatingStatus } from "../../../gen/proto/hoard/v1/instance_pb.js";
import { troveBackupStatus, troveInstanceStatus, troveOperatingStatus } from "./status.js";

const troveStatuses = ["ACTIVE", "BUILD", "REBOOT", "RESIZE", "BACKUP", "SHUTDOWN", "ERROR", "RESTART_REQUIRED", "UPDATING", "UNKNOWN"];

describe("Trove statuses", () => {
  it.each([
    [InstanceStatus.BUILD, "BUILD"],
    [InstanceStatus.ACTIVE, "ACTIVE"],
    [InstanceStatus.ERROR, "ERROR"],
    [InstanceStatus.REBOOT, "REBOOT"],
    [InstanceStatus.SHUTDOWN, "SHUTDOWN"],
    [InstanceStatus.DELETING, "SHUTDOWN"],
    [InstanceStatus.RESIZE, "RESIZE"],
    [InstanceStatus.RESTART_REQUIRED, "RESTART_REQUIRED"],
    [InstanceStatus.UPDATE, "UPDATING"],
    [InstanceStatus.BACKUP, "BACKUP"],
  ])("Hoard %s is Trove %s", (hoard, trove) => {
    expect(troveInstanceStatus(hoard)).toBe(trove);
  });

  it("every Hoard status has a Trove word", () => {
    for (const s of Object.values(InstanceStatus).filter((v): v is InstanceStatus => typeof v === "number")) {
      expect(troveStatuses).toContain(troveInstanceStatus(s));
    }
  });

  it("operating and backup statuses", () => {
    expect(troveOperatingStatus(OperatingStatus.HEALTHY)).toBe("HEALTHY");
    expect(troveOperatingStatus(OperatingStatus.STARTING)).toBe("RUNNING");
    expect(troveOperatingStatus(OperatingStatus.UNKNOWN)).toBe("NEW");
    expect(troveOperatingStatus(OperatingStatus.FAILED)).toBe("ERROR");
    expect(troveBackupStatus(BackupState.COMPLETED)).toBe("COMPLETED");
    expect(troveBackupStatus(BackupState.NEW)).toBe("NEW");
  });
});
