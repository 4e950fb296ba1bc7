// WAL segment arithmetic of incremental backups: consecutive names across a log boundary, for
// default and other segment sizes, and the manifest check that catches a stream that ended early.
import { describe, expect, it } from "vitest";
import { DatastoreBackupStreamError } from "../errors.js";
import { parseManifest, segmentIndex, segmentName } from "./wal-increment.js";

describe("wal segment names", () => {
  it.each([
    [16 * 1024 * 1024, "0000000100000000000000FF", "000000010000000100000000"],
    [64 * 1024 * 1024, "00000002000000030000003F", "000000020000000400000000"],
    [16 * 1024 * 1024, "000000010000000000000009", "00000001000000000000000A"],
  ])("size %i: %s is followed by %s", (size, name, next) => {
    expect(segmentName(name.slice(0, 8), segmentIndex(name, size) + 1, size)).toBe(next);
    expect(segmentIndex(next, size)).toBe(segmentIndex(name, size) + 1);
  });
});

describe("increment manifests", () => {
  it("names the increment when the manifest is missing or not PostgreSQL's", () => {
    expect(() => parseManifest(undefined, "incremental backup 2 of 2")).toThrow(DatastoreBackupStreamError);
    expect(() => parseManifest(undefined, "incremental backup 2 of 2")).toThrow(/incremental backup 2 of 2 holds no complete/);
    expect(() => parseManifest('{"engine":"mariadb"}', "incremental backup 1 of 1")).toThrow(/incremental backup 1 of 1 is not a PostgreSQL incremental backup/);
    const good = { engine: "postgresql", segmentSize: 16777216, fromSegment: "000000010000000000000002", toSegment: "000000010000000000000004", stopLsn: "0/4000110", files: [] };
    expect(parseManifest(JSON.stringify(good), "x")).toEqual(good);
  });
});
