// --wait: poll GetInstance (or GetBackup) until the instance or backup reaches the state the user
// waits for, printing a line whenever what it shows changes. Trove users watch `openstack database
// instance show` by hand; this is that loop, with an overall deadline so it cannot hang.
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { BackupState, type Backup } from "../gen/proto/hoard/v1/backup_pb.js";
import { InstanceStatus, type Instance } from "../gen/proto/hoard/v1/instance_pb.js";
import { callTimeoutMs, type HoardClients } from "./connection.js";
import { CommandFailedError, oneLine } from "./errors.js";
import { backupProgressText, backupStateLabel, statusLabel } from "./views.js";

/** Default of `--timeout`, in seconds. */
export const defaultWaitSeconds = 600;

export interface WaitOptions {
  timeoutSeconds: number;
  pollIntervalMs: number;
  progress: (line: string) => void;
}

/** One thing being waited for: how to fetch it, what to print of it, and when the wait is over. */
interface Watch<T> {
  label: string;
  /** Ends "waiting for db1 to ...". */
  goal: string;
  /** One read, cut short at `timeoutMs`; undefined when the reply lacks the resource. */
  fetch(timeoutMs: number): Promise<T | undefined>;
  /** NOT_FOUND is the goal (a deletion); otherwise it ends the wait as an error. */
  goneIsDone: boolean;
  /** What the progress lines show; a new line whenever it changes. */
  describe(item: T): string;
  reached(item: T): boolean;
  /** The line to fail with once the item can no longer reach the goal; undefined while it can. */
  failure(item: T): string | undefined;
}

/** Statuses no task is running in: where every action ends unless it fails. */
const settled: ReadonlySet<InstanceStatus> = new Set([
  InstanceStatus.ACTIVE,
  InstanceStatus.RESTART_REQUIRED,
  InstanceStatus.SHUTDOWN,
]);

// Every status not reached and not ERROR is transient: BUILD, REBOOT, RESIZE, UPDATE, and BACKUP
// (a backup is being taken; the server still serves, and the instance returns to where it was).

/**
 * Resolves with the instance once ACTIVE, or RESTART_REQUIRED (running, with settings only a restart
 * applies); throws CommandFailedError on ERROR or at the deadline.
 */
export function waitForActive(clients: HoardClients, id: string, label: string, opts: WaitOptions): Promise<Instance> {
  const reached = (s: InstanceStatus): boolean => s === InstanceStatus.ACTIVE || s === InstanceStatus.RESTART_REQUIRED;
  return waitForInstance(clients, id, label, `become ${statusLabel(InstanceStatus.ACTIVE)}`, reached, opts);
}

/** Resolves with the instance once SHUTDOWN (stopped); throws CommandFailedError on ERROR or at the deadline. */
export function waitForShutdown(clients: HoardClients, id: string, label: string, opts: WaitOptions): Promise<Instance> {
  const reached = (s: InstanceStatus): boolean => s === InstanceStatus.SHUTDOWN;
  return waitForInstance(clients, id, label, `become ${statusLabel(InstanceStatus.SHUTDOWN)}`, reached, opts);
}

/**
 * Resolves with the instance once its task (`doing`: "resizing", "updating") is over, whatever the
 * server settled in: ACTIVE, RESTART_REQUIRED or SHUTDOWN; throws on ERROR or at the deadline.
 */
export function waitForTask(
  clients: HoardClients,
  id: string,
  label: string,
  doing: string,
  opts: WaitOptions,
): Promise<Instance> {
  return waitForInstance(clients, id, label, `finish ${doing}`, (s) => settled.has(s), opts);
}

/** Resolves once GetInstance answers NOT_FOUND; throws on ERROR or at the deadline. */
export async function waitForDeleted(clients: HoardClients, id: string, label: string, opts: WaitOptions): Promise<void> {
  await poll(instanceWatch(clients, id, label, "be deleted", () => false, true), opts);
  opts.progress(`${label}: deleted`);
}

/** Resolves with the backup once COMPLETED; throws CommandFailedError with its fault on FAILED, or at the deadline. */
export async function waitForBackup(clients: HoardClients, id: string, label: string, opts: WaitOptions): Promise<Backup> {
  const watch: Watch<Backup> = {
    label,
    goal: `become ${backupStateLabel(BackupState.COMPLETED)}`,
    fetch: async (timeoutMs) => (await clients.backups.getBackup({ id }, { timeoutMs })).backup,
    goneIsDone: false,
    // BUILDING lines carry the progress, so a line appears whenever the backup moves on.
    describe: (b) => {
      const state = backupStateLabel(b.state) || "UNKNOWN";
      const progress = b.state === BackupState.BUILDING ? backupProgressText(b) : "";
      return progress === "" ? state : `${state} ${progress}`;
    },
    reached: (b) => b.state === BackupState.COMPLETED,
    failure: (b) => {
      if (b.state === BackupState.FAILED) return backupFaultLine(label, b);
      if (b.state === BackupState.DELETING) return `${label} is being deleted`;
      return undefined;
    },
  };
  return present(await poll(watch, opts), label, watch.goal);
}

async function waitForInstance(
  clients: HoardClients,
  id: string,
  label: string,
  goal: string,
  reached: (status: InstanceStatus) => boolean,
  opts: WaitOptions,
): Promise<Instance> {
  return present(await poll(instanceWatch(clients, id, label, goal, reached, false), opts), label, goal);
}

function instanceWatch(
  clients: HoardClients,
  id: string,
  label: string,
  goal: string,
  reached: (status: InstanceStatus) => boolean,
  goneIsDone: boolean,
): Watch<Instance> {
  return {
    label,
    goal,
    fetch: async (timeoutMs) => (await clients.instances.getInstance({ id }, { timeoutMs })).instance,
    goneIsDone,
    describe: (i) => {
      const status = statusLabel(i.status) || "UNKNOWN";
      return i.serviceStatus === "" ? status : `${status} (${i.serviceStatus})`;
    },
    reached: (i) => reached(i.status),
    failure: (i) => (i.status === InstanceStatus.ERROR ? faultLine(label, i) : undefined),
  };
}

function present<T>(item: T | undefined, label: string, goal: string): T {
  if (item === undefined) throw new CommandFailedError(`${label} disappeared while waiting for it to ${goal}`);
  return item;
}

/** Polls until the goal (the item, or undefined when gone is the goal); throws on failure or at the deadline. */
async function poll<T>(watch: Watch<T>, opts: WaitOptions): Promise<T | undefined> {
  const { label } = watch;
  const deadline = Date.now() + opts.timeoutSeconds * 1000;
  let last = "";
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const seen = last === "" ? "" : ` (last seen: ${last})`;
      throw new CommandFailedError(`timed out after ${opts.timeoutSeconds}s waiting for ${label} to ${watch.goal}${seen}`);
    }
    let item: T | undefined;
    try {
      item = await watch.fetch(Math.min(callTimeoutMs, remaining));
    } catch (err) {
      const e = ConnectError.from(err);
      if (e.code === Code.NotFound && watch.goneIsDone) return undefined;
      // Cut short by our own overall deadline: that is the timeout, not an unreachable gateway.
      if (Date.now() >= deadline) continue;
      // A restarting gateway or a slow answer is not a verdict on what we wait for: keep polling.
      if (e.code !== Code.Unavailable && e.code !== Code.DeadlineExceeded) throw e;
      if (last !== "unreachable") opts.progress(`${label}: gateway unreachable, retrying`);
      last = "unreachable";
    }
    if (item !== undefined) {
      const state = watch.describe(item);
      if (state !== last) opts.progress(`${label}: ${state}`);
      last = state;
      if (watch.reached(item)) return item;
      const failure = watch.failure(item);
      if (failure !== undefined) throw new CommandFailedError(failure);
    }
    await sleep(Math.max(0, Math.min(opts.pollIntervalMs, deadline - Date.now())));
  }
}

/** The one line printed when an instance lands in ERROR: its fault, as the user can read it. */
export function faultLine(label: string, i: Instance): string {
  const fault = i.fault;
  if (fault === undefined || (fault.message === "" && fault.details === "")) return `${label} is ERROR (no fault recorded)`;
  const details = fault.details === "" ? "" : ` (${fault.details})`;
  return oneLine(`${label} is ERROR: ${fault.message}${details}`);
}

/** The one line printed when a backup lands in FAILED: why, as the server recorded it. */
export function backupFaultLine(label: string, b: Backup): string {
  if (b.fault === "") return `${label} is FAILED (no fault recorded)`;
  return oneLine(`${label} is FAILED: ${b.fault}`);
}
