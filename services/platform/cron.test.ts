// The cron dialect of backup schedules: which expressions are refused and why, and when the
// accepted ones fire next (UTC).
import { describe, expect, it } from "vitest";
import { cronProblem, nextCronRun } from "./cron.js";

describe("cronProblem", () => {
  it.each(["0 3 * * *", "*/15 * * * *", "0 3 * * 1-5", "0 3 * * MON", "30 2 1 */2 *", "*/5 * * * * *", "0 0 3 * * *", "  0   3 * * *  "])(
    "accepts %j",
    (expression) => {
      expect(cronProblem(expression)).toBeUndefined();
    },
  );

  it.each([
    ["", /has 0 fields; a cron expression has 5 .* or 6 \(seconds first\)/],
    ["@daily", /has 1 field;/],
    ["* * *", /has 3 fields;/],
    ["0 0 0 * * * 2025", /has 7 fields;/],
    ["61 * * * *", /not a valid cron expression: .*61.*0-59/],
    ["0 25 * * *", /not a valid cron expression: .*25.*0-23/],
    ["* * * 13 *", /not a valid cron expression: .*13.*1-12/],
    ["*/0 * * * *", /not a valid cron expression: .*every 0/],
    ["a b c d e", /not a valid cron expression: Invalid characters/],
    ["0 0 30 2 *", /not a valid cron expression/], // 30 February never comes
  ])("refuses %j, naming the problem", (expression, problem) => {
    expect(cronProblem(expression)).toMatch(problem);
  });
});

describe("nextCronRun", () => {
  const at = new Date("2025-01-01T10:00:00Z"); // a Wednesday

  it.each([
    ["0 3 * * *", "2025-01-02T03:00:00.000Z"],
    ["*/15 * * * *", "2025-01-01T10:15:00.000Z"],
    ["0 3 * * MON", "2025-01-06T03:00:00.000Z"],
    ["*/5 * * * * *", "2025-01-01T10:00:05.000Z"],
    ["0 0 29 2 *", "2028-02-29T00:00:00.000Z"],
  ])("%j after %s fires at %s", (expression, next) => {
    expect(nextCronRun(expression, at).toISOString()).toBe(next);
  });

  it("is strictly after the given time, to the second", () => {
    expect(nextCronRun("*/3 * * * * *", new Date("2025-01-01T10:00:03.000Z")).toISOString()).toBe("2025-01-01T10:00:06.000Z");
    expect(nextCronRun("*/3 * * * * *", new Date("2025-01-01T10:00:03.500Z")).toISOString()).toBe("2025-01-01T10:00:06.000Z");
  });

  it("throws for an expression cronProblem refuses", () => {
    expect(() => nextCronRun("@daily", at)).toThrow(/has 1 field/);
  });
});
