import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../services/platform/errors.js";
import { backupProgressHandlers, createBackupProgressRegistry } from "./backup-progress.js";

/** A promise and its resolvers, to hold a tracked backup open. */
function gate<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe("backup progress registry", () => {
  it("reports a running backup's bytes and estimate, and forgets it once it ends", async () => {
    const registry = createBackupProgressRegistry();
    const hold = gate<string>();
    const tracked = registry.track("b1", async (entry) => {
      await entry.estimate(async () => 1000);
      entry.advance(250);
      return hold.promise;
    });
    await new Promise((r) => setImmediate(r));
    expect(registry.get("b1")).toEqual({ running: true, bytesDone: 250, estimatedTotalBytes: 1000 });
    expect(registry.running()).toEqual(["b1"]);
    hold.resolve("stored");
    await expect(tracked).resolves.toBe("stored");
    expect(registry.get("b1")).toEqual({ running: false, bytesDone: 0, estimatedTotalBytes: undefined });
    expect(registry.running()).toEqual([]);
  });

  it("forgets a failed backup and passes its error on", async () => {
    const registry = createBackupProgressRegistry();
    const tracked = registry.track("b2", async (entry) => {
      entry.advance(10);
      throw new Error("pg_basebackup exited 1");
    });
    await expect(tracked).rejects.toThrow("pg_basebackup exited 1");
    expect(registry.get("b2").running).toBe(false);
  });

  it("a failing, absent or nonsense estimate leaves the total unknown and the backup unharmed", async () => {
    const registry = createBackupProgressRegistry();
    const seen: (number | undefined)[] = [];
    for (const measure of [async () => Promise.reject(new Error("no session")), undefined, async () => Number.NaN, async () => undefined]) {
      await registry.track("b3", async (entry) => {
        await entry.estimate(measure);
        entry.advance(5);
        seen.push(registry.get("b3").estimatedTotalBytes);
      });
    }
    expect(seen).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("a retried call for the same id owns the entry; the older call ending does not remove it", async () => {
    const registry = createBackupProgressRegistry();
    const first = gate();
    const second = gate();
    const a = registry.track("b4", async (entry) => {
      entry.advance(1);
      await first.promise;
    });
    const b = registry.track("b4", async (entry) => {
      entry.advance(2);
      await second.promise;
    });
    await new Promise((r) => setImmediate(r));
    first.resolve();
    await a;
    expect(registry.get("b4")).toMatchObject({ running: true, bytesDone: 2 });
    second.resolve();
    await b;
    expect(registry.get("b4").running).toBe(false);
  });

  it("GetBackupProgress answers from the registry and refuses a malformed id", async () => {
    const registry = createBackupProgressRegistry();
    const handlers = backupProgressHandlers(registry);
    const call = (backupId: string) => handlers.getBackupProgress({ backupId } as never, {} as never);
    const hold = gate();
    const tracked = registry.track("b5", async (entry) => {
      entry.advance(42);
      await hold.promise;
    });
    await new Promise((r) => setImmediate(r));
    expect(await call("b5")).toEqual({ running: true, bytesDone: 42n });
    hold.resolve();
    await tracked;
    expect(await call("b5")).toEqual({ running: false, bytesDone: 0n });
    expect(() => call("../etc")).toThrow(InvalidArgumentError);
  });
});
