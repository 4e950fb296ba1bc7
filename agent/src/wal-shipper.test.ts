// The WAL shipper against the real directory storage driver: a spooled file leaves the spool only
// after its object is stored and readable; a failed upload keeps it and a later pass ships it.
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createFileStorage, newDataKey, readBackupObject, type BackupStorage } from "../../services/platform/backup/index.js";
import { createWalShipper, type WalShipTarget } from "./wal-shipper.js";

const scratch = mkdtempSync(join(tmpdir(), "hoard-wal-shipper-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const logger = pino({ level: "silent" });
const segment = (n: number) => `0000000100000000000000${n.toString(16).toUpperCase().padStart(2, "0")}`;

let dirs = 0;
function setUp(wrap: (storage: BackupStorage, spool: string) => BackupStorage = (s) => s) {
  const base = join(scratch, String(++dirs));
  const spool = join(base, "spool");
  mkdirSync(spool, { recursive: true });
  const storage = createFileStorage(join(base, "storage"));
  const target: WalShipTarget = { storage: wrap(storage, spool), prefix: "wal/i-1/", dataKey: newDataKey() };
  const shipper = createWalShipper({ spoolDir: spool, target: async () => target, logger, intervalMs: 60_000 });
  const read = async (name: string) =>
    (await buffer(await readBackupObject({ storage, key: `wal/i-1/${name}`, expectedSha256: undefined, dataKey: target.dataKey }))).toString();
  return { spool, storage, shipper, read };
}

describe("WAL shipper", () => {
  it("stores each spooled WAL file under the prefix, in name order, and removes it only after it is stored", async () => {
    const seenInSpool: boolean[] = [];
    const order: string[] = [];
    const { spool, storage, shipper, read } = setUp((s, spoolDir) => ({
      ...s,
      async put(key, data, signal) {
        const result = await s.put(key, data, signal);
        const name = key.slice("wal/i-1/".length);
        order.push(name);
        seenInSpool.push(existsSync(join(spoolDir, name))); // the object is complete and the file still there
        return result;
      },
    }));
    writeFileSync(join(spool, segment(3)), "three");
    writeFileSync(join(spool, segment(2)), "two");
    writeFileSync(join(spool, "00000002.history"), "history");
    writeFileSync(join(spool, `.${segment(4)}.tmp`), "half written by archive_command");
    writeFileSync(join(spool, "notes.txt"), "not WAL");
    await shipper.shipNow();
    shipper.close();
    expect(order).toEqual([segment(2), segment(3), "00000002.history"]);
    expect(seenInSpool).toEqual([true, true, true]);
    expect(readdirSync(spool).sort()).toEqual([`.${segment(4)}.tmp`, "notes.txt"]);
    expect(await storage.list("wal/i-1/")).toEqual([`wal/i-1/${segment(2)}`, `wal/i-1/${segment(3)}`, "wal/i-1/00000002.history"]);
    expect(await read(segment(2))).toBe("two");
    expect(await read("00000002.history")).toBe("history");
  });

  it("keeps a file whose upload failed, stops there, and ships it on a later pass", async () => {
    let failNext = true;
    const { spool, storage, shipper, read } = setUp((s) => ({
      ...s,
      async put(key, data, signal) {
        if (failNext) {
          failNext = false;
          data.destroy();
          throw new Error("storage unreachable");
        }
        return s.put(key, data, signal);
      },
    }));
    writeFileSync(join(spool, segment(5)), "five");
    writeFileSync(join(spool, segment(6)), "six");
    await expect(shipper.shipNow()).rejects.toThrow("storage unreachable");
    expect(readdirSync(spool).sort()).toEqual([segment(5), segment(6)]); // nothing shipped past the gap
    expect(await storage.list("wal/i-1/")).toEqual([]);
    expect(await shipper.pending()).toEqual([segment(5), segment(6)]);
    await shipper.shipNow();
    shipper.close();
    expect(readdirSync(spool)).toEqual([]);
    expect(await read(segment(5))).toBe("five");
    expect(await read(segment(6))).toBe("six");
  });

  it("retries on its own after a failure, with no one calling it", async () => {
    const spool = join(scratch, "retry");
    mkdirSync(spool);
    const storage = createFileStorage(join(scratch, "retry-storage"));
    let attempts = 0;
    const flaky: BackupStorage = {
      ...storage,
      async put(key, data, signal) {
        if (++attempts < 3) {
          data.destroy();
          throw new Error("storage unreachable");
        }
        return storage.put(key, data, signal);
      },
    };
    const dataKey = newDataKey();
    const shipper = createWalShipper({ spoolDir: spool, target: async () => ({ storage: flaky, prefix: "wal/i-2/", dataKey }), logger, intervalMs: 10, retryMs: 10 });
    writeFileSync(join(spool, segment(10)), "ten");
    for (let waited = 0; readdirSync(spool).length > 0 && waited < 5000; waited += 10) await sleep(10);
    shipper.close();
    expect(attempts).toBe(3);
    expect(readdirSync(spool)).toEqual([]);
    expect(await storage.list("wal/i-2/")).toEqual([`wal/i-2/${segment(10)}`]);
  });

  it("never follows a symbolic link planted in the spool", async () => {
    const { spool, storage, shipper } = setUp();
    writeFileSync(join(scratch, "secret"), "not yours");
    symlinkSync(join(scratch, "secret"), join(spool, segment(7)));
    await expect(shipper.shipNow()).rejects.toThrow(/ELOOP|symbolic link|not a regular file/);
    shipper.close();
    expect(await storage.list("wal/i-1/")).toEqual([]);
  });

  it("never ships a hard link planted in the spool", async () => {
    const { spool, storage, shipper } = setUp();
    writeFileSync(join(scratch, "other"), "someone else's");
    linkSync(join(scratch, "other"), join(spool, segment(9)));
    await expect(shipper.shipNow()).rejects.toThrow(/single link/);
    shipper.close();
    expect(await storage.list("wal/i-1/")).toEqual([]);
  });

  it("leaves the spool alone while the instance has no archive", async () => {
    const spool = join(scratch, "no-archive");
    mkdirSync(spool);
    writeFileSync(join(spool, segment(8)), "eight");
    const shipper = createWalShipper({ spoolDir: spool, target: async () => undefined, logger, intervalMs: 60_000 });
    await shipper.shipNow();
    shipper.close();
    expect(readdirSync(spool)).toEqual([segment(8)]);
  });
});
