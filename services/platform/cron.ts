// Cron expressions of backup schedules, read the same way by the gateway (which refuses a bad one
// when a schedule is set) and the taskmanager (which computes each next run). Parsing is
// cron-parser's; this module only fixes the dialect: UTC, 5 fields (minute hour day-of-month
// month day-of-week) or 6 with seconds first, no @macros, and an expression must fire at least once.
import { CronExpressionParser } from "cron-parser";

/** What is wrong with `expression` as a schedule, or undefined when it is a good one. */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 5 && fields.length !== 6) {
    return `"${expression}" has ${fields.length} field${fields.length === 1 ? "" : "s"}; a cron expression has 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)`;
  }
  try {
    CronExpressionParser.parse(fields.join(" "), { tz: "UTC", currentDate: new Date() }).next();
    return undefined;
  } catch (err) {
    return `"${expression}" is not a valid cron expression: ${(err as Error).message}`;
  }
}

/** The first time after `after` that `expression` fires (UTC); throws for an expression cronProblem refuses. */
export function nextCronRun(expression: string, after: Date): Date {
  const problem = cronProblem(expression);
  if (problem) throw new Error(problem);
  return CronExpressionParser.parse(expression.trim().split(/\s+/).join(" "), { tz: "UTC", currentDate: after }).next().toDate();
}
