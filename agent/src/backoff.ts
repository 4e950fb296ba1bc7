// Delay before the supervisor restarts a crashed server: doubling from the first delay up to a cap,
// so a server that dies at once on every start does not spin the host.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** Delay before restart attempt `attempt` (0 for the first after a healthy spell): 1 s, 2 s, 4 s, ... capped. */
export function restartDelayMs(attempt: number, policy: BackoffPolicy): number {
  const exponent = Math.min(Math.max(attempt, 0), 30);
  return Math.min(policy.initialMs * 2 ** exponent, policy.maxMs);
}
