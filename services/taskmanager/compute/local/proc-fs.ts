// Reading /proc: which processes exist, what they run, where they stand and what they hold open.
// Processes vanish between two reads at any time, so every reader answers "nothing" instead of throwing.

import { readdir, readFile, readlink } from "node:fs/promises";

/** Pids of all processes visible to this one. */
export async function listPids(): Promise<number[]> {
  const entries = await readdir("/proc");
  return entries.filter((name) => /^\d+$/.test(name)).map(Number);
}

/** argv of `pid`; empty for kernel threads, zombies and vanished processes. */
export async function readCmdline(pid: number): Promise<string[]> {
  return splitNul(await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => ""));
}

/** Initial environment of `pid` as "KEY=value" strings (needs the same uid or root). */
export async function readEnviron(pid: number): Promise<string[]> {
  return splitNul(await readFile(`/proc/${pid}/environ`, "utf8").catch(() => ""));
}

/** True when `pid` exists and is not a zombie waiting to be reaped. */
export async function isAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (stat === undefined) return false;
  // The state follows the parenthesised command name, which may itself contain ") ".
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X" && state !== "";
}

/** Session id of `pid` (the pid of the session's leader); undefined when it is gone. */
export async function readSessionId(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (stat === undefined) return undefined;
  // After the parenthesised command name: state, ppid, pgrp, session, ...
  const session = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
  return Number.isInteger(session) ? session : undefined;
}

/**
 * Paths a process refers to: its cwd, its root, its open files and mapped files. Only readable for
 * our own processes or as root, which is how this provider runs when it mounts volumes.
 */
export async function readPathsInUse(pid: number): Promise<string[]> {
  const paths: string[] = [];
  for (const link of ["cwd", "root", "exe"]) {
    const target = await readlink(`/proc/${pid}/${link}`).catch(() => undefined);
    if (target !== undefined) paths.push(target);
  }
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => undefined);
    if (target?.startsWith("/")) paths.push(target);
  }
  const maps = await readFile(`/proc/${pid}/maps`, "utf8").catch(() => "");
  for (const line of maps.split("\n")) {
    const slash = line.indexOf(" /");
    if (slash >= 0) paths.push(line.slice(slash + 1));
  }
  return paths;
}

function splitNul(text: string): string[] {
  const parts = text.split("\0");
  if (parts.at(-1) === "") parts.pop();
  return parts;
}
