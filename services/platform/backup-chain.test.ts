// Chain walking as a user relies on it: a restore reads the full backup first and each increment
// in order; a broken or looping chain is refused; a cascade deletes children before parents.
import { describe, expect, it } from "vitest";
import { chainRestoreProblem, descendantsDeepestFirst, walkChain, type ChainLink } from "./backup-chain.js";
import { FailedPreconditionError } from "./errors.js";

const link = (id: string, parentId: string | null = null, state = "COMPLETED"): ChainLink => ({ id, name: `n-${id}`, state, parentId });

/** f1 <- i1 <- i2 <- i3, i1 <- j2 (a branch), f2 alone. */
const family = [link("f1"), link("i1", "f1"), link("i2", "i1"), link("i3", "i2"), link("j2", "i1"), link("f2")];
const byId = new Map(family.map((b) => [b.id, b]));
const get = (id: string): ChainLink => byId.get(id) ?? link("missing");
const lookup = (backups: Map<string, ChainLink>) => (id: string) => Promise.resolve(backups.get(id) ?? null);

describe("walkChain", () => {
  it("returns the full backup first and the leaf last", async () => {
    expect((await walkChain(get("i3"), lookup(byId))).map((b) => b.id)).toEqual(["f1", "i1", "i2", "i3"]);
    expect((await walkChain(get("j2"), lookup(byId))).map((b) => b.id)).toEqual(["f1", "i1", "j2"]);
  });

  it("a full backup is a chain of one", async () => {
    expect((await walkChain(get("f2"), lookup(byId))).map((b) => b.id)).toEqual(["f2"]);
  });

  it("refuses a chain whose parent is gone, naming the orphan", async () => {
    const broken = new Map(byId);
    broken.delete("i1");
    await expect(walkChain(get("i3"), lookup(broken))).rejects.toThrow(FailedPreconditionError);
    await expect(walkChain(get("i3"), lookup(broken))).rejects.toThrow(/"n-i2" has lost its parent/);
  });

  it("refuses a loop instead of walking forever", async () => {
    const loop = new Map([
      ["a", link("a", "b")],
      ["b", link("b", "a")],
    ]);
    await expect(walkChain(loop.get("a") ?? link("missing"), lookup(loop))).rejects.toThrow(/chain is broken/);
  });
});

describe("chainRestoreProblem", () => {
  it("accepts a chain of completed backups", () => {
    expect(chainRestoreProblem([link("f1"), link("i1", "f1")])).toBeUndefined();
  });

  it("names the backup that is not complete, and the one asked for", () => {
    expect(chainRestoreProblem([link("f1", null, "DELETING"), link("i1", "f1")])).toBe('backup "n-i1" builds on backup "n-f1", which is DELETING, not COMPLETED');
    expect(chainRestoreProblem([link("f1"), link("i1", "f1", "FAILED")])).toBe('backup "n-i1" is FAILED, not COMPLETED');
  });
});

describe("descendantsDeepestFirst", () => {
  it("lists everything built on a backup, each before its parent", () => {
    expect(descendantsDeepestFirst("f1", family).map((b) => b.id)).toEqual(["i3", "i2", "j2", "i1"]);
  });

  it("is empty for a leaf and for a backup nothing builds on", () => {
    expect(descendantsDeepestFirst("i3", family)).toEqual([]);
    expect(descendantsDeepestFirst("f2", family)).toEqual([]);
  });

  it("lists only the subtree below the backup", () => {
    expect(descendantsDeepestFirst("i1", family).map((b) => b.id)).toEqual(["i3", "i2", "j2"]);
  });
});
