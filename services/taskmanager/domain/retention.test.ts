// The retention decision as a table: which of an instance's backups a schedule's rules prune, and
// in which order.
import { describe, expect, it } from "vitest";
import { backupsToPrune, type RetentionCandidate, type RetentionRules } from "./retention.js";

const now = new Date("2025-06-10T12:00:00Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * 24 * 60 * 60_000);

/** A scheduled backup taken `age` days ago, COMPLETED unless said otherwise. */
function auto(id: string, age: number, extra: Partial<RetentionCandidate> = {}): RetentionCandidate {
  return { id, state: "COMPLETED", scheduled: true, createdAt: daysAgo(age), parentId: null, ...extra };
}

const rules = (keepLast: number | null, keepDays: number | null): RetentionRules => ({ keepLast, keepDays });

describe("backupsToPrune", () => {
  const five = [auto("a1", 5), auto("a2", 4), auto("a3", 3), auto("a4", 2), auto("a5", 1)];

  it.each([
    ["keep_last 2 keeps the newest two", rules(2, null), ["a1", "a2", "a3"]],
    ["keep_last larger than the list keeps all", rules(10, null), []],
    ["keep_days 3 keeps those taken within 3 days", rules(null, 3), ["a1", "a2", "a3"]],
    ["keep_days 0 with keep_last 1 is keep_last alone", rules(1, 0), ["a1", "a2", "a3", "a4"]],
    ["both rules: kept when either keeps it (days keeps more)", rules(1, 3), ["a1", "a2", "a3"]],
    ["both rules: kept when either keeps it (count keeps more)", rules(4, 1), ["a1"]],
    ["no rule prunes nothing", rules(null, null), []],
    ["zeroes are no rule", rules(0, 0), []],
  ])("%s", (_what, given, pruned) => {
    expect(backupsToPrune(five, given, now)).toEqual(pruned);
  });

  it("counts only completed scheduled backups toward keep_last, and never prunes a hand-made one", () => {
    const backups = [
      { ...auto("m1", 9), scheduled: false },
      auto("a1", 5),
      { ...auto("m2", 4), scheduled: false },
      auto("a2", 3),
      auto("a3", 2),
      { ...auto("m3", 0.5), scheduled: false, state: "FAILED" },
    ];
    expect(backupsToPrune(backups, rules(1, null), now)).toEqual(["a1", "a2"]);
  });

  it("keeps backups being taken, and does not count them", () => {
    const backups = [auto("a1", 3), auto("a2", 2), auto("a3", 0.1, { state: "BUILDING" }), auto("a4", 0, { state: "NEW" })];
    expect(backupsToPrune(backups, rules(1, null), now)).toEqual(["a1"]);
  });

  it("keeps a backup a restore is reading", () => {
    expect(backupsToPrune(five, rules(2, null), now, new Set(["a2"]))).toEqual(["a1", "a3"]);
  });

  it("prunes failed scheduled backups older than the newest completed one, keeps newer ones", () => {
    const backups = [auto("f1", 6, { state: "FAILED" }), auto("a1", 5), auto("f2", 4, { state: "FAILED" }), auto("a2", 3), auto("f3", 1, { state: "FAILED" })];
    expect(backupsToPrune(backups, rules(5, null), now)).toEqual(["f1", "f2"]);
  });

  it("keeps failed backups while no scheduled backup has completed", () => {
    const backups = [auto("f1", 2, { state: "FAILED" }), auto("f2", 1, { state: "FAILED" })];
    expect(backupsToPrune(backups, rules(1, null), now)).toEqual([]);
  });

  it("finishes off a scheduled backup left DELETING", () => {
    expect(backupsToPrune([auto("a1", 2, { state: "DELETING" }), auto("a2", 1)], rules(1, null), now)).toEqual(["a1"]);
  });

  it("orders by age, oldest first, when nothing builds on anything", () => {
    const shuffled = [auto("a3", 3), auto("a1", 5), auto("a5", 1), auto("a2", 4), auto("a4", 2)];
    expect(backupsToPrune(shuffled, rules(2, null), now)).toEqual(["a1", "a2", "a3"]);
  });

  describe("incremental chains", () => {
    // f1 <- i1 <- i2 (full, then increments); f2 <- i3
    const chain = [
      auto("f1", 6),
      auto("i1", 5, { parentId: "f1" }),
      auto("i2", 4, { parentId: "i1" }),
      auto("f2", 3),
      auto("i3", 2, { parentId: "f2" }),
    ];

    it("deletes children before their parents", () => {
      expect(backupsToPrune(chain, rules(1, null), now)).toEqual(["i2", "i1", "f1"]);
    });

    it("a kept increment keeps its whole parent chain", () => {
      // keep_last 3 keeps i2, f2, i3 by count; i2 needs i1 and f1.
      expect(backupsToPrune(chain, rules(3, null), now)).toEqual([]);
    });

    it("a child that is not pruned (hand-made, or being taken) keeps its parent", () => {
      const withManualChild = [...chain, { ...auto("m1", 1, { parentId: "i1" }), scheduled: false }];
      expect(backupsToPrune(withManualChild, rules(1, null), now)).toEqual(["i2"]);
      const withRunningChild = [...chain, auto("i4", 0, { state: "BUILDING", parentId: "i2" })];
      expect(backupsToPrune(withRunningChild, rules(1, null), now)).toEqual([]);
    });

    it("with a full_every schedule (full, inc, inc, full, ...) prunes whole chains, never a part a kept backup needs", () => {
      const run = [
        auto("f1", 7),
        auto("i1", 6, { parentId: "f1" }),
        auto("i2", 5, { parentId: "i1" }),
        auto("f2", 4),
        auto("i3", 3, { parentId: "f2" }),
        auto("i4", 2, { parentId: "i3" }),
        auto("f3", 1),
      ];
      expect(backupsToPrune(run, rules(2, null), now)).toEqual(["i2", "i1", "f1"]);
      expect(backupsToPrune(run, rules(1, null), now)).toEqual(["i2", "i4", "i1", "i3", "f1", "f2"]);
      for (const keep of [1, 2, 3, 4, 5]) {
        const pruned = new Set(backupsToPrune(run, rules(keep, null), now));
        // Whatever survives has its whole chain.
        for (const b of run.filter((x) => !pruned.has(x.id))) expect(b.parentId === null || !pruned.has(b.parentId)).toBe(true);
      }
    });

    it("a restore reading an increment keeps its parents", () => {
      expect(backupsToPrune(chain, rules(1, null), now, new Set(["i1"]))).toEqual(["i2"]);
    });
  });
});
