// The backup pipeline end to end against the directory driver and a real nats-server: what goes
// in comes out, every stored byte is checked, damage is reported by key and never ends cleanly.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough, Readable, Transform } from "node:stream";
import { buffer } from "node:stream/consumers";
import { pipeline } from "node:stream/promises";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNats, type NatsServer } from "../../../test/e2e/harness.js";
import { NotFoundError } from "../errors.js";
import { newDataKey, unwrapDataKey, wrapDataKey } from "./data-key.js";
import { headerBytes, tagBytes } from "./envelope.js";
import { BackupCorruptError, BackupKeyError } from "./errors.js";
import { createFileStorage } from "./file-storage.js";
import { createNatsStorage } from "./nats-storage.js";
import { readBackupObject, writeBackupObject } from "./pipeline.js";
import type { BackupStorage } from "./storage.js";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "hoard-backup-pipeline-"));
let server: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startNats(scratch);
  nc = await connect({ servers: server.url });
});

afterAll(async () => {
  await nc?.close();
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const MiB = 1024 * 1024;
const frame = 64 * 1024;
const words = "the of and to in is was for on that with as by at from order paid shipped refund customer parcel invoice".split(" ");

/** `size` bytes made as read (a 50 MB test holds no 50 MB), with their hash and a produced count. */
function source(size: number, kind: "random" | "text") {
  const hash = createHash("sha256");
  let produced = 0;
  let row = 0;
  let seed = 7;
  const word = () => words[(seed = (seed * 1103515245 + 12345) >>> 0) % words.length];
  const text = (n: number) => {
    let rows = "";
    while (rows.length < n) rows += `${row++}\t${word()} ${word()} ${word()}\t${seed % 99991}\n`;
    return Buffer.from(rows.slice(0, n), "latin1");
  };
  const stream = new Readable({
    read() {
      const n = Math.min(frame, size - produced);
      if (n === 0) return void this.push(null);
      const chunk = kind === "random" ? randomBytes(n) : text(n);
      hash.update(chunk);
      produced += n;
      this.push(chunk);
    },
  });
  return { stream, produced: () => produced, sha256: () => hash.copy().digest("hex") };
}

/** Reads to the end or the first error; `ended` is true only for a clean 'end'. */
async function drain(stream: Readable, perChunk?: (bytes: number) => Promise<void>) {
  const hash = createHash("sha256");
  let bytes = 0;
  let ended = false;
  stream.once("end", () => (ended = true));
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
      await perChunk?.(chunk.length);
    }
    return { bytes, sha256: hash.digest("hex"), ended, error: undefined };
  } catch (error) {
    return { bytes, sha256: hash.digest("hex"), ended, error: error as Error };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let buckets = 0;
const drivers: [string, () => Promise<BackupStorage>][] = [
  ["file", async () => createFileStorage(fs.mkdtempSync(path.join(scratch, "files-")))],
  ["nats", async () => createNatsStorage(nc, { bucket: `pipeline-${++buckets}` })],
];

describe.each(drivers)("backup pipeline on %s storage", (_kind, open) => {
  let storage: BackupStorage;
  const dataKey = newDataKey();
  beforeAll(async () => {
    storage = await open();
  });

  /** Overwrites the stored object, as damage on disk or in the bucket would. */
  async function replaceStored(key: string, bytes: Buffer): Promise<void> {
    await storage.put(key, Readable.from([bytes]));
  }

  async function expectCorrupt(key: string, sha: string, reason?: string) {
    const outcome = await drain(await readBackupObject({ storage, key, expectedSha256: sha, dataKey }));
    expect(outcome.error).toBeInstanceOf(BackupCorruptError);
    expect(outcome.error?.message).toMatch(new RegExp(`^backup object ${key.replace(/[./]/g, "\\$&")} is corrupt: ${reason ?? ""}`));
    expect(outcome.ended).toBe(false);
  }

  it("reports the plain bytes read so far as they flow, ending at the recorded size", async () => {
    const input = source(3 * MiB + 5, "text");
    const reports: number[] = [];
    const record = await writeBackupObject({ source: input.stream, storage, key: "progress/base.bin", dataKey, onPlainBytes: (bytes) => reports.push(bytes) });
    expect(reports.length).toBeGreaterThan(10); // one per chunk, not one at the end
    expect(reports).toEqual([...reports].sort((a, b) => a - b));
    expect(reports.at(-1)).toBe(record.plainBytes);
    expect(record.plainBytes).toBe(3 * MiB + 5);
  });

  it.each([
    ["random", 0],
    ["random", 1],
    ["random", frame],
    ["random", 20 * frame + 3],
    ["text", 1],
    ["text", frame],
    ["text", 3 * MiB],
    ["random", 50 * MiB],
    ["text", 50 * MiB],
  ] as const)("round-trips %s data of %i bytes and records the sha256 of the stored bytes", async (kind, size) => {
    const input = source(size, kind);
    const key = `rt-${kind}-${size}/base.bin`;
    const record = await writeBackupObject({ source: input.stream, storage, key, dataKey });
    expect(record.key).toBe(key);
    expect(record.plainBytes).toBe(size);

    const stored = await drain(await storage.get(key));
    expect(record.storedBytes).toBe(stored.bytes);
    expect(record.sha256).toBe(stored.sha256);
    if (kind === "text" && size >= MiB) expect(record.storedBytes).toBeLessThan(size / 2);

    const restored = await drain(await readBackupObject({ storage, key, expectedSha256: record.sha256, dataKey }));
    expect(restored.error).toBeUndefined();
    expect(restored.ended).toBe(true);
    expect(restored.bytes).toBe(size);
    expect(restored.sha256).toBe(input.sha256());
  });

  it("fails, naming the key, when any byte of the stored object is flipped (every byte of a small object)", async () => {
    const key = "flip-small/base.bin";
    const record = await writeBackupObject({ source: source(1, "random").stream, storage, key, dataKey });
    const original = await buffer(await storage.get(key));
    for (let i = 0; i < original.length; i++) {
      const bad = Buffer.from(original);
      bad[i] = (bad[i] as number) ^ 0x01;
      await replaceStored(key, bad);
      await expectCorrupt(key, record.sha256);
    }
  });

  it("fails, naming the key, when a byte is flipped in the header, in any frame, or in a tag", async () => {
    const key = "flip-frames/base.bin";
    const record = await writeBackupObject({ source: source(5 * frame + 100, "random").stream, storage, key, dataKey });
    const original = await buffer(await storage.get(key));
    const sealedFrame = frame + tagBytes;
    const positions = new Set<number>();
    for (let i = 0; i < headerBytes; i++) positions.add(i);
    for (let start = headerBytes; start < original.length; start += sealedFrame) {
      const end = Math.min(start + sealedFrame, original.length);
      for (const p of [start, start + 1, Math.floor((start + end) / 2), end - tagBytes - 1, end - tagBytes, end - 1]) positions.add(p);
    }
    for (const i of positions) {
      const bad = Buffer.from(original);
      bad[i] = (bad[i] as number) ^ 0x80;
      await replaceStored(key, bad);
      await expectCorrupt(key, record.sha256);
    }
  });

  it("fails on a truncated object, wherever it is cut", async () => {
    const key = "cut/base.bin";
    const record = await writeBackupObject({ source: source(3 * frame, "random").stream, storage, key, dataKey });
    const original = await buffer(await storage.get(key));
    const boundary = headerBytes + frame + tagBytes;
    for (const length of [0, 5, headerBytes, headerBytes + 1, boundary, boundary + 1, 2 * boundary - headerBytes, original.length - tagBytes, original.length - 1]) {
      await replaceStored(key, original.subarray(0, length));
      await expectCorrupt(key, record.sha256, "checksum mismatch");
    }
  });

  it("checks the recorded sha256 even when the object itself is intact", async () => {
    const key = "sha/base.bin";
    await writeBackupObject({ source: source(10_000, "text").stream, storage, key, dataKey });
    await expectCorrupt(key, "0".repeat(64), "checksum mismatch");
  });

  it("refuses the wrong master key before reading, and a wrong data key while reading", async () => {
    const master = randomBytes(32);
    const wrapped = wrapDataKey(master, dataKey);
    expect(() => unwrapDataKey(randomBytes(32), wrapped)).toThrow(BackupKeyError);

    const key = "wrong-key/base.bin";
    const record = await writeBackupObject({ source: source(1000, "text").stream, storage, key, dataKey: unwrapDataKey(master, wrapped) });
    const outcome = await drain(await readBackupObject({ storage, key, expectedSha256: record.sha256, dataKey: newDataKey() }));
    expect(outcome.error).toBeInstanceOf(BackupCorruptError);
    expect(outcome.error?.message).toContain("backup object wrong-key/base.bin is corrupt: frame 0 fails authentication");
    expect(outcome.ended).toBe(false);
  });

  it("rejects a missing object before returning a stream", async () => {
    await expect(readBackupObject({ storage, key: "nope/base.bin", expectedSha256: "0".repeat(64), dataKey })).rejects.toThrow(NotFoundError);
  });

  it("a failing tool or an abort leaves no object and rejects with the cause", async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error("mariadb-backup exited with status 1"));
      },
    });
    await expect(writeBackupObject({ source: failing, storage, key: "tool-failed/base.bin", dataKey })).rejects.toThrow("mariadb-backup exited with status 1");
    expect(await storage.exists("tool-failed/base.bin")).toBe(false);

    const controller = new AbortController();
    const endless = source(Number.MAX_SAFE_INTEGER, "random");
    setTimeout(() => controller.abort(), 200);
    await expect(writeBackupObject({ source: endless.stream, storage, key: "aborted/base.bin", dataKey, signal: controller.signal })).rejects.toThrow(/abort/i);
    expect(endless.stream.destroyed).toBe(true);
    expect(await storage.exists("aborted/base.bin")).toBe(false);
  });

  it("holds only a few frames between tool and slow storage while writing 50 MB", async () => {
    const input = source(50 * MiB, "random");
    let stored = 0;
    let mostInFlight = 0;
    const slow: BackupStorage = {
      ...storage,
      put: (key, data, signal) => {
        const throttle = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            stored += chunk.length;
            mostInFlight = Math.max(mostInFlight, input.produced() - stored);
            setTimeout(() => callback(null, chunk), 1);
          },
        });
        pipeline(data, throttle).catch(() => undefined);
        return storage.put(key, throttle, signal);
      },
    };
    const record = await writeBackupObject({ source: input.stream, storage: slow, key: "slow-write/base.bin", dataKey });
    expect(record.plainBytes).toBe(50 * MiB);
    expect(mostInFlight).toBeLessThan(MiB); // measured about 0.2 MiB
  });

  it("reads storage only as fast as a slow restore consumes", async () => {
    const size = 20 * MiB;
    const key = "slow-read/base.bin";
    const record = await writeBackupObject({ source: source(size, "random").stream, storage, key, dataKey });
    let fetched = 0;
    const counting: BackupStorage = {
      ...storage,
      get: async (k) => {
        const counter = new PassThrough();
        counter.on("data", (chunk: Buffer) => (fetched += chunk.length));
        pipeline(await storage.get(k), counter).catch(() => undefined);
        return counter;
      },
    };
    let consumed = 0;
    let mostAhead = 0;
    const outcome = await drain(await readBackupObject({ storage: counting, key, expectedSha256: record.sha256, dataKey }), async (bytes) => {
      consumed += bytes;
      mostAhead = Math.max(mostAhead, fetched - consumed);
      await sleep(0);
    });
    expect(outcome.bytes).toBe(size);
    expect(mostAhead).toBeLessThan(2 * MiB); // measured 0.3 to 0.4 MiB
  });
});
