// Full or incremental, for the next backup a schedule takes: with full_every N, every Nth is full
// and the others are incremental on the schedule's previous backup, so each chain holds at most N
// backups (and retention, which keeps a kept backup's ancestors, prunes chains whole). Table-tested
// in scheduled-parent.test.ts; fire.ts carries it out.

/** What the decision needs of the schedule's previous backup. */
export interface PreviousScheduledBackup {
  id: string;
  state: string;
  /** Backups in its chain, itself included (1 for a full backup). */
  chainLength: number;
}

/**
 * The id of the backup the next scheduled backup builds on, or undefined when it is to be full:
 * full when full_every is not above 1, when the engine takes no incremental backups, when there is
 * no previous scheduled backup or it did not complete, and when its chain already holds full_every.
 */
export function scheduledParent(fullEvery: number | null, takesIncrements: boolean, previous: PreviousScheduledBackup | undefined): string | undefined {
  if (fullEvery === null || fullEvery <= 1 || !takesIncrements) return undefined;
  if (previous?.state !== "COMPLETED") return undefined;
  return previous.chainLength < fullEvery ? previous.id : undefined;
}
