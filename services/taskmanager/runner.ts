// Claims durable tasks and runs their workflows. Tasks live in the database; this process only
// holds leases on them. A task whose owner died is claimed again once its lease expires (at once
// when the same taskmanager restarts), and runs its workflow again from its first unfinished step.
import type { Logger } from "../platform/logger.js";
import type { TaskStore, ClaimedTask } from "./store/tasks.js";
import { createWorkflow } from "./workflows/create.js";
import { deleteWorkflow } from "./workflows/delete.js";
import { restartWorkflow, startWorkflow, stopWorkflow } from "./workflows/lifecycle.js";
import { backupWorkflow, failBackup } from "./workflows/backup.js";
import { configureWorkflow, resizeFlavorWorkflow, resizeVolumeWorkflow } from "./workflows/settings.js";
import { TaskFault, type Workflow, type WorkflowContext, type WorkflowDeps } from "./workflows/context.js";
import type { TaskmanagerConfig } from "./config.js";

const workflows: Record<string, Workflow> = {
  CREATE: createWorkflow,
  DELETE: deleteWorkflow,
  RESTART: restartWorkflow,
  STOP: stopWorkflow,
  START: startWorkflow,
  RESIZE_FLAVOR: resizeFlavorWorkflow,
  RESIZE_VOLUME: resizeVolumeWorkflow,
  CONFIGURE: configureWorkflow,
  BACKUP: backupWorkflow,
};

export interface RunnerOptions {
  pollMs: number;
  leaseMs: number;
  logger: Logger;
  /** Shorter deadlines per kind, from submission (config HOARD_TASK_DEADLINE_MS_<KIND>). */
  deadlineCapsMs?: TaskmanagerConfig["taskDeadlineCapsMs"];
}

interface Running {
  instanceId: string;
  abort: AbortController;
  done: Promise<void>;
}

export function createRunner(deps: Omit<WorkflowDeps, "cancelRunning">, store: TaskStore, options: RunnerOptions) {
  const running = new Map<string, Running>(); // by task id
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  async function cancelRunning(instanceId: string, exceptTaskId: string): Promise<void> {
    const others = [...running.entries()].filter(([id, r]) => r.instanceId === instanceId && id !== exceptTaskId);
    for (const [, r] of others) r.abort.abort(new TaskFault("superseded by a delete"));
    await Promise.allSettled(others.map(([, r]) => r.done));
  }

  const fullDeps: WorkflowDeps = { ...deps, cancelRunning };

  /** Claims what it can and starts it; overlapping calls coalesce into one more round. */
  function poll(): Promise<void> {
    if (polling) {
      again = true;
      return polling;
    }
    polling = (async () => {
      do {
        again = false;
        try {
          for (const id of await store.claimableIds(20)) {
            if (stopped) return;
            const task = await store.claim(id, options.leaseMs);
            if (task) start(task);
          }
        } catch (err) {
          options.logger.error({ err }, "task poll failed");
        }
      } while (again && !stopped);
    })().finally(() => (polling = undefined));
    return polling;
  }

  function start(task: ClaimedTask): void {
    const instanceId = task.instance.id;
    const abort = new AbortController();
    const entry: Running = { instanceId, abort, done: Promise.resolve() };
    running.set(task.id, entry);
    entry.done = run(task, abort).finally(() => running.delete(task.id));
  }

  async function run(task: ClaimedTask, abort: AbortController): Promise<void> {
    const logger = options.logger.child({ taskId: task.id, kind: task.kind, instanceId: task.instance.id, requestId: task.requestId });
    const deadlineAt = deadlineOf(task, options.deadlineCapsMs);
    const remaining = deadlineAt.getTime() - Date.now();
    // The deadline aborts the task's own controller. Not AbortSignal.any with AbortSignal.timeout:
    // Node 20 may garbage-collect a timeout signal that only a composite holds, which then never
    // fires (nodejs/node#57736), and the task would run on past its deadline.
    const deadline = setTimeout(() => abort.abort(new DOMException("the task's deadline passed", "TimeoutError")), Math.max(remaining, 1));
    const signal = abort.signal;
    const lease = setInterval(() => {
      store.renewLease(task.id, options.leaseMs).then(
        (ours) => ours || abort.abort(new TaskAbandoned()),
        () => undefined, // the database is away; the next renewal tries again
      );
    }, options.leaseMs / 3);
    let currentStep = task.step;
    const doneSteps = new Set(task.step.split(",").filter(Boolean));
    const ctx: WorkflowContext = {
      ...fullDeps,
      task,
      signal,
      logger,
      async step(name, fn, stepOptions) {
        if (doneSteps.has(name) && !stepOptions?.always) return undefined;
        if (signal.aborted) throw abortReason(signal, task, deadlineAt, currentStep);
        currentStep = name;
        logger.info({ step: name }, "step started");
        const value = await fn();
        doneSteps.add(name);
        await store.recordStep(task.id, [...doneSteps].join(","));
        return value;
      },
    };
    const workflow = workflows[task.kind];
    try {
      if (!workflow) throw new TaskFault(`unknown task kind ${task.kind}`);
      logger.info({ attempt: task.attempts }, "task started");
      await workflow(ctx);
      await store.finish(task.id, { state: "SUCCEEDED" });
      await store.addEvent(task.instance.id, task.kind, `${task.kind.toLowerCase()} finished`, task.requestId);
      logger.info("task succeeded");
    } catch (cause) {
      if (stopped) {
        // Not a failure: the lease lapses and the task resumes when a taskmanager starts again.
        logger.info({ step: currentStep }, "task interrupted by shutdown");
        return;
      }
      if (abort.signal.reason instanceof TaskAbandoned) {
        // The row already says FAILED and the instance was reset: writing a fault now would undo that.
        logger.warn({ step: currentStep }, "task abandoned by an operator; stopped");
        return;
      }
      const err = signal.aborted ? abortReason(signal, task, deadlineAt, currentStep) : cause;
      await fail(task, err, currentStep, logger);
    } finally {
      clearTimeout(deadline);
      clearInterval(lease);
    }
  }

  async function fail(task: ClaimedTask, err: unknown, step: string, logger: Logger): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    const superseded = message === "superseded by a delete" || (await store.taskStatusOf(task.instance.id)) === "DELETING";
    logger.warn({ err, step }, superseded ? "task superseded" : "task failed");
    await store.finish(task.id, { state: "FAILED", fault: message });
    if (task.kind === "BACKUP") {
      // The backup failed, not the instance: it kept serving, and takes new actions at once
      // (unless a delete superseded the backup: then the instance is the delete's).
      await failBackup({ store, task }, message, { releaseInstance: !superseded });
      await store.addEvent(task.instance.id, task.kind, `backup failed: ${message}`, task.requestId);
      return;
    }
    if (superseded || task.kind === "DELETE") {
      if (task.kind === "DELETE") await markFault(task, message, step);
      return;
    }
    if (task.kind === "CREATE") {
      // Nothing orphaned: a failed build gives back its server, volume and address at once;
      // the row stays in ERROR with the fault until the user deletes it.
      await deps.provider.destroy(task.instance.id, AbortSignal.timeout(60_000)).catch((e: unknown) => logger.error({ err: e }, "cleanup after failed create failed"));
      await store.updateInstance(task.instance.id, { computeStatus: "NONE" });
    }
    await markFault(task, message, step);
  }

  async function markFault(task: ClaimedTask, message: string, step: string): Promise<void> {
    await store.updateInstance(task.instance.id, {
      taskStatus: "FAILED",
      faultMessage: `${task.kind.toLowerCase()} failed: ${message}`,
      faultDetails: `task ${task.id}, step ${step || "start"}`,
      faultAt: new Date(),
    });
    await store.addEvent(task.instance.id, task.kind, `${task.kind.toLowerCase()} failed: ${message}`, task.requestId);
  }

  return {
    /** Starts polling; releases this owner's own leases first (it just restarted, so they are dead). */
    async start(): Promise<void> {
      const released = await store.releaseOwnLeases();
      if (released > 0) options.logger.info({ released }, "resuming tasks interrupted by a restart");
      timer = setInterval(() => void poll(), options.pollMs);
      await poll();
    },
    kick: () => void poll(),
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await polling;
      // Leave running tasks' leases to expire (or to be released by our own restart): a stop is
      // not a failure, the tasks will resume.
      for (const r of running.values()) r.abort.abort(new Error("taskmanager stopping"));
      await Promise.allSettled([...running.values()].map((r) => r.done));
    },
  };
}

/** The stored deadline, or the configured cap for the task's kind counted from submission if sooner. */
function deadlineOf(task: ClaimedTask, caps: RunnerOptions["deadlineCapsMs"]): Date {
  const cap = caps && Object.hasOwn(caps, task.kind) ? caps[task.kind as keyof typeof caps] : undefined;
  if (cap === undefined) return task.deadlineAt;
  return new Date(Math.min(task.deadlineAt.getTime(), task.createdAt.getTime() + cap));
}

/** The task's row no longer holds our lease as RUNNING: someone else decided its outcome. */
class TaskAbandoned extends Error {
  constructor() {
    super("task abandoned by an operator");
    this.name = "TaskAbandoned";
  }
}

function abortReason(signal: AbortSignal, task: ClaimedTask, deadlineAt: Date, step: string): Error {
  if (signal.reason instanceof TaskFault) return signal.reason;
  if (signal.reason instanceof Error && signal.reason.name === "TimeoutError") {
    return new TaskFault(`${task.kind.toLowerCase()} did not finish before its deadline (${deadlineAt.toISOString()}) in step ${step || "start"}`);
  }
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
}
