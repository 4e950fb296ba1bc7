// A backup's public progress, from what the taskmanager recorded of its agent's reports: bytes
// done, the engine's estimate, and a percentage. The percentage is computed here and only here:
// at most 99 while BUILDING (an estimate can fall short, and a backup is not done until it is
// stored), 100 once COMPLETED, and absent whenever nothing honest can be said (NEW, no estimate
// yet or ever, FAILED, DELETING).
export interface BackupProgressFacts {
  state: string;
  sizeBytes: bigint | null;
  progressBytes: bigint | null;
  progressTotalBytes: bigint | null;
}

export interface BackupProgress {
  progressBytes: bigint;
  estimatedBytes?: bigint;
  progressPercent?: number;
}

export function backupProgress(facts: BackupProgressFacts): BackupProgress {
  const estimated = facts.progressTotalBytes ?? undefined;
  const withEstimate = estimated === undefined ? {} : { estimatedBytes: estimated };
  if (facts.state === "COMPLETED") {
    return { progressBytes: facts.sizeBytes ?? facts.progressBytes ?? 0n, ...withEstimate, progressPercent: 100 };
  }
  const done = facts.progressBytes ?? 0n;
  if (facts.state !== "BUILDING") return { progressBytes: done, ...withEstimate };
  if (estimated === undefined || estimated <= 0n || facts.progressBytes === null) return { progressBytes: done, ...withEstimate };
  const percent = Number((done * 100n) / estimated);
  return { progressBytes: done, ...withEstimate, progressPercent: Math.min(99, percent) };
}
