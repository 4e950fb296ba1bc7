// Finds and ends every process still using an instance: the database server the agent started
// (pg_ctl detaches it into its own session, so killing the agent does not reach it), a backup
// tool, an operator's shell. A process "uses" the instance when its cwd, open or mapped files,
// argv or environment refer to the instance root. Also ends what is left of the agent's own
// session: a tool it ran that names nothing of the instance (`initdb --version` hanging in
// prepare, run from / with a clean environment) would otherwise outlive it.

import type { Logger } from "pino";
import { isAlive, listPids, readCmdline, readEnviron, readPathsInUse, readSessionId } from "./proc-fs.js";
import { sleep, waitUntil } from "./wait.js";

/** True when `text` mentions `dir` itself or something below it (not a sibling like `${dir}-2`). */
export function refersTo(text: string, dir: string): boolean {
  for (let at = text.indexOf(dir); at >= 0; at = text.indexOf(dir, at + 1)) {
    const next = text[at + dir.length];
    if (next === undefined || !/[A-Za-z0-9._-]/.test(next)) return true;
  }
  return false;
}

/** Pids (other than this process and init) whose cwd, files, argv or environment refer to `dir`. */
export async function findProcessesUsing(dir: string): Promise<number[]> {
  const pids = (await listPids()).filter((pid) => pid !== process.pid && pid !== 1);
  const found: number[] = [];
  for (let i = 0; i < pids.length; i += SCAN_BATCH) {
    const batch = pids.slice(i, i + SCAN_BATCH);
    const uses = await Promise.all(batch.map((pid) => usesDir(pid, dir)));
    batch.forEach((pid, j) => {
      if (uses[j]) found.push(pid);
    });
  }
  return found;
}

const SCAN_BATCH = 64;

async function usesDir(pid: number, dir: string): Promise<boolean> {
  if (!(await isAlive(pid))) return false;
  const mentions = (texts: string[]): boolean => texts.some((text) => refersTo(text, dir));
  return (
    mentions(await readCmdline(pid)) || mentions(await readEnviron(pid)) || mentions(await readPathsInUse(pid))
  );
}

/**
 * Live pids (other than this process and init) in session `sid`. The kernel does not reuse a pid while
 * a session of that id has members, so after its leader died these are still what it left.
 */
export async function findSessionMembers(sid: number): Promise<number[]> {
  const pids = (await listPids()).filter((pid) => pid !== process.pid && pid !== 1);
  const sessions = await Promise.all(pids.map((pid) => readSessionId(pid)));
  const members = pids.filter((_, i) => sessions[i] === sid);
  // A killed member stays in the session as a zombie until its new parent reaps it.
  const alive = await Promise.all(members.map((pid) => isAlive(pid)));
  return members.filter((_, i) => alive[i]);
}

interface KillOptions {
  graceMs: number;
  logger: Logger;
  signal?: AbortSignal;
  rounds?: number;
}

/**
 * SIGTERMs every process using `dir`, SIGKILLs what is left after `graceMs`, and repeats until a
 * scan finds nothing (a dying parent may have started a child meanwhile). Returns the pids still
 * found after the last round, normally none.
 */
export function killProcessesUsing(dir: string, options: KillOptions): Promise<number[]> {
  return killFound(() => findProcessesUsing(dir), "stopping processes still using the instance", options);
}

/** Ends every process left in session `sid` (the agent's, as the agent leads its own), as killProcessesUsing does. */
export function killSession(sid: number, options: KillOptions): Promise<number[]> {
  return killFound(() => findSessionMembers(sid), "stopping processes left in the agent's session", options);
}

async function killFound(find: () => Promise<number[]>, message: string, options: KillOptions): Promise<number[]> {
  const rounds = options.rounds ?? 5;
  let pids = await find();
  for (let round = 0; round < rounds && pids.length > 0; round++) {
    options.logger.info({ pids, round }, message);
    signalAll(pids, "SIGTERM");
    const exited = await waitUntil(async () => (await anyAlive(pids)) === false, options.graceMs, options.signal);
    if (!exited) {
      options.logger.warn({ pids }, "processes ignored SIGTERM; sending SIGKILL");
      signalAll(pids, "SIGKILL");
      await waitUntil(async () => (await anyAlive(pids)) === false, 2000, options.signal);
    }
    await sleep(20, options.signal);
    pids = await find();
  }
  return pids;
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

async function anyAlive(pids: number[]): Promise<boolean> {
  for (const pid of pids) if (await isAlive(pid)) return true;
  return false;
}
