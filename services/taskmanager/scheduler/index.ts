// The backup scheduler: every HOARD_SCHEDULER_POLL_MS it fires the backup schedules that are due
// (fire.ts) and applies every schedule's retention rules (prune.ts). Several taskmanagers may run
// it at once: claims and deletions are conditional writes, so each run and each deletion happens once.
import type { Logger } from "../../platform/logger.js";
import { fireDueSchedules, type FireDeps } from "./fire.js";
import { pruneScheduledBackups, type PruneDeps } from "./prune.js";

export type SchedulerDeps = FireDeps & PruneDeps;

export interface Scheduler {
  start(): void;
  /** Stops the loop and waits for a pass under way. */
  stop(): Promise<void>;
}

/** The loop; start() after the runner is started, stop() before it is stopped. */
export function createScheduler(deps: SchedulerDeps, options: { pollMs: number; logger: Logger }): Scheduler {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function pass(): Promise<void> {
    try {
      await fireDueSchedules(deps);
    } catch (err) {
      options.logger.error({ err }, "backup schedule pass failed");
    }
    try {
      await pruneScheduledBackups(deps);
    } catch (err) {
      options.logger.error({ err }, "backup retention pass failed");
    }
  }

  return {
    start() {
      timer = setInterval(() => {
        if (running) return; // a slow pass is not overlapped; the next tick catches up
        running = pass().finally(() => (running = undefined));
      }, options.pollMs);
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
