import { describe, expect, it } from "vitest";
import { backupProgress, type BackupProgressFacts } from "./backup-progress.js";

const building = (done: bigint | null, total: bigint | null): BackupProgressFacts => ({ state: "BUILDING", sizeBytes: null, progressBytes: done, progressTotalBytes: total });

describe("backupProgress", () => {
  it.each([
    ["half way", building(50n, 100n), { progressBytes: 50n, estimatedBytes: 100n, progressPercent: 50 }],
    ["rounds down", building(999n, 1000n), { progressBytes: 999n, estimatedBytes: 1000n, progressPercent: 99 }],
    ["all the estimate read: still 99 until stored", building(100n, 100n), { progressBytes: 100n, estimatedBytes: 100n, progressPercent: 99 }],
    ["past a short estimate: 99", building(300n, 100n), { progressBytes: 300n, estimatedBytes: 100n, progressPercent: 99 }],
    ["nothing read yet", building(0n, 100n), { progressBytes: 0n, estimatedBytes: 100n, progressPercent: 0 }],
    ["no estimate (incremental): bytes only", building(70n, null), { progressBytes: 70n }],
    ["an estimate of zero says nothing", building(70n, 0n), { progressBytes: 70n, estimatedBytes: 0n }],
    ["no report yet", building(null, null), { progressBytes: 0n }],
  ])("BUILDING, %s", (_name, facts, expected) => {
    expect(backupProgress(facts)).toEqual(expected);
  });

  it("COMPLETED is 100 with the stored size as the bytes done, whatever the estimate said", () => {
    expect(backupProgress({ state: "COMPLETED", sizeBytes: 1234n, progressBytes: 1000n, progressTotalBytes: 5000n })).toEqual({
      progressBytes: 1234n,
      estimatedBytes: 5000n,
      progressPercent: 100,
    });
    expect(backupProgress({ state: "COMPLETED", sizeBytes: 10n, progressBytes: null, progressTotalBytes: null })).toEqual({ progressBytes: 10n, progressPercent: 100 });
  });

  it.each(["NEW", "FAILED", "DELETING"])("%s has no percentage", (state) => {
    expect(backupProgress({ state, sizeBytes: null, progressBytes: 40n, progressTotalBytes: 100n }).progressPercent).toBeUndefined();
  });
});
