// Which engines take incremental backups, as the gateway and the scheduler ask it.
import { describe, expect, it } from "vitest";
import { FailedPreconditionError } from "./errors.js";
import { requireIncrementalBackups, takesIncrementalBackups } from "./incremental-backups.js";

describe("incremental backups per engine", () => {
  it.each([
    ["mariadb", true],
    ["postgresql", true],
    ["redis", false],
    ["no-such-engine", false],
  ])("%s: %s", (engine, takes) => {
    expect(takesIncrementalBackups(engine)).toBe(takes);
  });

  it("refuses an engine without them, naming it", () => {
    expect(() => requireIncrementalBackups("redis", "redis")).toThrow(FailedPreconditionError);
    expect(() => requireIncrementalBackups("redis", "redis")).toThrow("redis backups are always full: incremental backups are not supported for redis");
    expect(() => requireIncrementalBackups("mariadb", "mariadb")).not.toThrow();
  });
});
