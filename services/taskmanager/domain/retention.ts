// Which backups a schedule's retention rules prune: a pure decision over one instance's backups,
// table-tested in retention.test.ts; prune.ts carries it out. Only scheduled backups are ever
// pruned: a hand-made one, one being taken, one a restore is reading, and every backup another
// kept backup builds on (its parent chain, for incremental backups) are always kept.

export interface RetentionRules {
  /** Keep the newest this many completed scheduled backups; null (or 0) when not set. */
  keepLast: number | null;
  /** Keep scheduled backups taken within this many days; null (or 0) when not set. */
  keepDays: number | null;
}

/** What the decision needs of a backup. */
export interface RetentionCandidate {
  id: string;
  /** "NEW" | "BUILDING" | "COMPLETED" | "FAILED" | "DELETING" */
  state: string;
  scheduled: boolean;
  createdAt: Date;
  /** The backup this one is an increment on. */
  parentId: string | null;
}

const dayMs = 24 * 60 * 60_000;

const newestFirst = (a: RetentionCandidate, b: RetentionCandidate) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1);

/**
 * The ids of `backups` (all of one instance's backups) to delete under `rules` at `now`, in the
 * order to delete them: a backup always after every backup built on it. A completed scheduled
 * backup is kept while either rule keeps it; a failed scheduled one only until a scheduled backup
 * taken after it completes; one already DELETING is finished off. `inUse` are backups restores are
 * reading right now. With no rule set nothing is pruned.
 */
export function backupsToPrune(backups: readonly RetentionCandidate[], rules: RetentionRules, now: Date, inUse: ReadonlySet<string> = new Set()): string[] {
  const keepLast = rules.keepLast ?? 0;
  const keepDays = rules.keepDays ?? 0;
  if (keepLast <= 0 && keepDays <= 0) return [];

  const completed = backups.filter((b) => b.scheduled && b.state === "COMPLETED").sort(newestFirst);
  const byCount = new Set(completed.slice(0, Math.max(keepLast, 0)).map((b) => b.id));
  const since = now.getTime() - keepDays * dayMs;
  const newestCompleted = completed[0]?.createdAt.getTime() ?? -Infinity;

  const keptByRule = (b: RetentionCandidate): boolean => {
    if (!b.scheduled || inUse.has(b.id)) return true;
    switch (b.state) {
      case "COMPLETED":
        return byCount.has(b.id) || (keepDays > 0 && b.createdAt.getTime() > since);
      case "FAILED":
        return b.createdAt.getTime() >= newestCompleted;
      case "DELETING":
        return false;
      default:
        return true; // NEW or BUILDING: being taken
    }
  };

  // A kept backup keeps its whole parent chain: nothing is deleted before what builds on it.
  const byId = new Map(backups.map((b) => [b.id, b]));
  const kept = new Set<string>();
  for (const b of backups) {
    if (!keptByRule(b)) continue;
    for (let at: RetentionCandidate | undefined = b; at && !kept.has(at.id); at = at.parentId ? byId.get(at.parentId) : undefined) kept.add(at.id);
  }

  const depth = (b: RetentionCandidate): number => {
    let n = 0;
    const seen = new Set<string>();
    for (let at = b; at.parentId && !seen.has(at.id); n++) {
      seen.add(at.id);
      const parent = byId.get(at.parentId);
      if (!parent) break;
      at = parent;
    }
    return n;
  };
  // Deepest first (children before parents), then oldest first.
  return backups
    .filter((b) => !kept.has(b.id))
    .sort((a, b) => depth(b) - depth(a) || -newestFirst(a, b))
    .map((b) => b.id);
}
