// --wait: poll GetInstance until the instance reaches the state the user waits for, printing a line
// whenever its status or service status changes. Trove users watch `openstack database instance show`
// by hand; this is that loop, with an overall deadline so it cannot hang.
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { InstanceStatus, type Instance } from "../gen/proto/hoard/v1/instance_pb.js";
import { callTimeoutMs, type HoardClients } from "./connection.js";
import { CommandFailedError, oneLine } from "./errors.js";
import { statusLabel } from "./views.js";

/** Default of `--timeout`, in seconds. */
export const defaultWaitSeconds = 600;

export interface WaitOptions {
  timeoutSeconds: number;
  pollIntervalMs: number;
  progress: (line: string) => void;
}

/** What a wait ends on: the instance in a status that satisfies `reached`, or gone. */
type Target = Goal | "deleted";

interface Goal {
  reached(status: InstanceStatus): boolean;
  /** Ends "waiting for db1 to ...". */
  phrase: string;
}

/** Statuses no task is running in: where every action ends unless it fails. */
const settled: ReadonlySet<InstanceStatus> = new Set([
  InstanceStatus.ACTIVE,
  InstanceStatus.RESTART_REQUIRED,
  InstanceStatus.SHUTDOWN,
]);

/**
 * Resolves with the instance once ACTIVE, or RESTART_REQUIRED (running, with settings only a restart
 * applies); throws CommandFailedError on ERROR or at the deadline.
 */
export function waitForActive(clients: HoardClients, id: string, label: string, opts: WaitOptions): Promise<Instance> {
  const goal: Goal = {
    reached: (s) => s === InstanceStatus.ACTIVE || s === InstanceStatus.RESTART_REQUIRED,
    phrase: `become ${statusLabel(InstanceStatus.ACTIVE)}`,
  };
  return waitFor(clients, id, label, goal, opts);
}

/** Resolves with the instance once SHUTDOWN (stopped); throws CommandFailedError on ERROR or at the deadline. */
export function waitForShutdown(clients: HoardClients, id: string, label: string, opts: WaitOptions): Promise<Instance> {
  const goal: Goal = { reached: (s) => s === InstanceStatus.SHUTDOWN, phrase: `become ${statusLabel(InstanceStatus.SHUTDOWN)}` };
  return waitFor(clients, id, label, goal, opts);
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
  return waitFor(clients, id, label, { reached: (s) => settled.has(s), phrase: `finish ${doing}` }, opts);
}

async function waitFor(clients: HoardClients, id: string, label: string, goal: Goal, opts: WaitOptions): Promise<Instance> {
  const instance = await poll(clients, id, label, goal, opts);
  if (instance === undefined) throw new CommandFailedError(`${label} disappeared while waiting for it to ${goal.phrase}`);
  return instance;
}

/** Resolves once GetInstance answers NOT_FOUND; throws on ERROR or at the deadline. */
export async function waitForDeleted(clients: HoardClients, id: string, label: string, opts: WaitOptions): Promise<void> {
  await poll(clients, id, label, "deleted", opts);
  opts.progress(`${label}: deleted`);
}

async function poll(
  clients: HoardClients,
  id: string,
  label: string,
  target: Target,
  opts: WaitOptions,
): Promise<Instance | undefined> {
  const deadline = Date.now() + opts.timeoutSeconds * 1000;
  let last = "";
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const goal = target === "deleted" ? "be deleted" : target.phrase;
      const seen = last === "" ? "" : ` (last seen: ${last})`;
      throw new CommandFailedError(`timed out after ${opts.timeoutSeconds}s waiting for ${label} to ${goal}${seen}`);
    }
    let instance: Instance | undefined;
    try {
      instance = (await clients.instances.getInstance({ id }, { timeoutMs: Math.min(callTimeoutMs, remaining) })).instance;
    } catch (err) {
      const e = ConnectError.from(err);
      if (e.code === Code.NotFound && target === "deleted") return undefined;
      // Cut short by our own overall deadline: that is the timeout, not an unreachable gateway.
      if (Date.now() >= deadline) continue;
      // A restarting gateway or a slow answer is not a verdict on the instance: keep polling.
      if (e.code !== Code.Unavailable && e.code !== Code.DeadlineExceeded) throw e;
      if (last !== "unreachable") opts.progress(`${label}: gateway unreachable, retrying`);
      last = "unreachable";
    }
    if (instance !== undefined) {
      const state = describe(instance);
      if (state !== last) opts.progress(`${label}: ${state}`);
      last = state;
      if (target !== "deleted" && target.reached(instance.status)) return instance;
      if (instance.status === InstanceStatus.ERROR) throw new CommandFailedError(faultLine(label, instance));
    }
    await sleep(Math.max(0, Math.min(opts.pollIntervalMs, deadline - Date.now())));
  }
}

function describe(i: Instance): string {
  const status = statusLabel(i.status) || "UNKNOWN";
  return i.serviceStatus === "" ? status : `${status} (${i.serviceStatus})`;
}

/** The one line printed when an instance lands in ERROR: its fault, as the user can read it. */
export function faultLine(label: string, i: Instance): string {
  const fault = i.fault;
  if (fault === undefined || (fault.message === "" && fault.details === "")) return `${label} is ERROR (no fault recorded)`;
  const details = fault.details === "" ? "" : ` (${fault.details})`;
  return oneLine(`${label} is ERROR: ${fault.message}${details}`);
}
