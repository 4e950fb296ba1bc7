// Which scheduled backups are full and which incremental, as a table.
import { describe, expect, it } from "vitest";
import { scheduledParent, type PreviousScheduledBackup } from "./scheduled-parent.js";

const prev = (chainLength: number, state = "COMPLETED"): PreviousScheduledBackup => ({ id: "p", state, chainLength });

describe("scheduledParent", () => {
  it.each([
    ["full_every unset: always full", null, true, prev(1), undefined],
    ["full_every 1: always full", 1, true, prev(1), undefined],
    ["full_every 0: always full", 0, true, prev(1), undefined],
    ["the schedule's first backup is full", 3, true, undefined, undefined],
    ["after a full backup: incremental on it", 3, true, prev(1), "p"],
    ["chain of 2 with full_every 3: one more increment", 3, true, prev(2), "p"],
    ["chain of 3 with full_every 3: full again", 3, true, prev(3), undefined],
    ["a previous backup that failed: full", 3, true, prev(1, "FAILED"), undefined],
    ["a previous backup still being taken: full", 3, true, prev(1, "BUILDING"), undefined],
    ["an engine without increments: full", 3, false, prev(1), undefined],
  ] as const)("%s", (_what, fullEvery, takes, previous, parent) => {
    expect(scheduledParent(fullEvery, takes, previous)).toBe(parent);
  });

  it("over a run of schedule firings, every third backup is full", () => {
    const kinds: string[] = [];
    let previous: PreviousScheduledBackup | undefined;
    for (let n = 0; n < 7; n++) {
      const parent = scheduledParent(3, true, previous);
      kinds.push(parent ? "inc" : "full");
      previous = { id: `b${n}`, state: "COMPLETED", chainLength: parent && previous ? previous.chainLength + 1 : 1 };
    }
    expect(kinds).toEqual(["full", "inc", "inc", "full", "inc", "inc", "full"]);
  });
});
