import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { CreateInstanceRequestSchema } from "../../../gen/proto/hoard/v1/instance_pb.js";
import { FailedPreconditionError, InvalidArgumentError } from "../../platform/errors.js";
import { checkPointInTimeSource, requestedRestoreTime } from "./restore-rules.js";

const now = new Date("2026-01-02T03:04:05Z");
const at = (iso: string) => timestampFromDate(new Date(iso));
const request = (fields: Record<string, unknown>) => create(CreateInstanceRequestSchema, { name: "db", flavor: "tiny", volumeSizeGb: 1, datastore: "postgresql", ...fields });

describe("requestedRestoreTime", () => {
  it("is undefined for a plain create or restore", () => {
    expect(requestedRestoreTime(request({}), "postgresql", now)).toBeUndefined();
    expect(requestedRestoreTime(request({ backup: "b1" }), "mariadb", now)).toBeUndefined();
  });

  it("returns the moment for PostgreSQL with a backup or a source instance", () => {
    expect(requestedRestoreTime(request({ backup: "b1", restoreTime: at("2026-01-02T03:00:00Z") }), "postgresql", now)).toEqual(new Date("2026-01-02T03:00:00Z"));
    expect(requestedRestoreTime(request({ restoreSourceInstance: "db0", restoreTime: at("2026-01-02T03:04:05Z") }), "postgresql", now)).toEqual(now);
  });

  it.each([
    ["a moment in the future", { backup: "b1", restoreTime: at("2026-01-02T03:04:06Z") }, "postgresql", /in the future/],
    ["an engine without a WAL archive", { backup: "b1", restoreTime: at("2026-01-02T03:00:00Z") }, "redis", /redis has no point-in-time restore/],
    ["no starting point", { restoreTime: at("2026-01-02T03:00:00Z") }, "postgresql", /needs backup/],
    ["both starting points", { backup: "b1", restoreSourceInstance: "db0", restoreTime: at("2026-01-02T03:00:00Z") }, "postgresql", /either/],
    ["a source instance without a time", { restoreSourceInstance: "db0" }, "postgresql", /only used with restore_time/],
  ])("refuses %s with INVALID_ARGUMENT", (_what, fields, engine, message) => {
    expect(() => requestedRestoreTime(request(fields), engine, now)).toThrow(InvalidArgumentError);
    expect(() => requestedRestoreTime(request(fields), engine, now)).toThrow(message);
  });
});

describe("checkPointInTimeSource", () => {
  const backup = { name: "b1", completedAt: new Date("2026-01-02T02:00:00Z"), instance: { name: "db0", walStorageKind: "file" } };

  it("accepts a moment after the backup completed", () => {
    expect(() => checkPointInTimeSource(backup, new Date("2026-01-02T02:00:01Z"))).not.toThrow();
  });

  it("refuses a moment at or before the backup's completion, and a source without a WAL archive, with FAILED_PRECONDITION", () => {
    expect(() => checkPointInTimeSource(backup, new Date("2026-01-02T02:00:00Z"))).toThrow(FailedPreconditionError);
    expect(() => checkPointInTimeSource({ ...backup, completedAt: null }, now)).toThrow(/has not completed/);
    expect(() => checkPointInTimeSource({ ...backup, instance: { name: "db0", walStorageKind: null } }, now)).toThrow(/no WAL archive/);
  });
});
