// The timings the guest agent logs about its own backups and restores (pino JSON lines in
// $HOARD_HOME/instances/<id>/logs/agent.log), so the bench can say where Hoard's time went.
import fs from "node:fs";
import path from "node:path";

/** Every line of the instance's agent log whose msg is `msg`, parsed; none when the log is gone. */
export function agentLogEntries(home: string, instanceId: string, msg: string): Record<string, unknown>[] {
  const file = path.join(home, "instances", instanceId, "logs", "agent.log");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const entries: Record<string, unknown>[] = [];
  for (const line of text.split("\n")) {
    if (!line.includes(msg)) continue;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === msg) entries.push(entry);
    } catch {
      // not JSON: a line some tool printed
    }
  }
  return entries;
}

/** A number field of the last entry with `msg`, or NaN. */
export function lastNumber(home: string, instanceId: string, msg: string, field: string): number {
  const value = agentLogEntries(home, instanceId, msg).at(-1)?.[field];
  return typeof value === "number" ? value : Number.NaN;
}

/**
 * With BENCH_KEEP_LOGS=<dir>, copies an instance's logs (agent and server; or with no instance,
 * the control plane's) there under `label` before they go, for a closer look at where time went.
 */
export function keepLogs(home: string, instanceId: string | undefined, label: string): void {
  const keep = process.env.BENCH_KEEP_LOGS;
  if (!keep) return;
  const from = instanceId ? path.join(home, "instances", instanceId, "logs") : path.join(home, "up.log");
  if (fs.existsSync(from)) fs.cpSync(from, path.join(keep, label), { recursive: true });
}
