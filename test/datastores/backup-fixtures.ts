// What the engines' backup tests share: a backup taken into memory through a Writable, the bytes
// replayed as a stream (whole, cut short, or failing half-way), and a bounded background writer.
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BackupFacts, BackupParent, DatastoreBackups } from "../../agent/src/datastores/manager.js";

const never = new AbortController().signal;

/** A finished backup: its bytes, its facts, and how long it took. */
export interface TakenBackup {
  bytes: Buffer;
  facts: BackupFacts;
  ms: number;
}

/** Takes a backup (incremental on `parent` when given) into memory through a Writable, as a storage driver would consume it. */
export async function takeBackup(backups: DatastoreBackups, signal: AbortSignal = never, parent?: BackupParent): Promise<TakenBackup> {
  const began = performance.now();
  const backup = await backups.backup(signal, parent);
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  await pipeline(backup.data, sink);
  const facts = await backup.done;
  return { bytes: Buffer.concat(chunks), facts, ms: performance.now() - began };
}

/** The bytes as a stream of 64 KiB chunks. */
export function replay(bytes: Buffer): Readable {
  return Readable.from(chunksOf(bytes, bytes.length), { objectMode: false });
}

/** The first half of the bytes, then the stream fails: a storage read that broke off. */
export function failingHalfway(bytes: Buffer): Readable {
  return Readable.from(
    (async function* () {
      yield* chunksOf(bytes, Math.floor(bytes.length / 2));
      throw new Error("storage read failed half-way");
    })(),
    { objectMode: false },
  );
}

/** The first half of the bytes, then a clean end: a truncated backup file. */
export function truncated(bytes: Buffer): Readable {
  return Readable.from(chunksOf(bytes, Math.floor(bytes.length / 2)), { objectMode: false });
}

function* chunksOf(bytes: Buffer, length: number): Generator<Buffer> {
  for (let at = 0; at < length; at += 64 * 1024) yield bytes.subarray(at, Math.min(length, at + 64 * 1024));
}

/**
 * Runs `write(n)` for n = 1, 2, 3 ... one after another until stopped (or `maxMs`), so a test can
 * show the server kept serving while something else ran. Returns how many writes completed.
 */
export function backgroundWriter(write: (n: number) => Promise<unknown>, maxMs = 60_000): { stop: () => Promise<number>; count: () => number } {
  let stopped = false;
  let done = 0;
  const deadline = Date.now() + maxMs;
  const loop = (async () => {
    while (!stopped && Date.now() < deadline) {
      await write(done + 1);
      done += 1;
    }
  })();
  return {
    count: () => done,
    stop: async () => {
      stopped = true;
      await loop;
      return done;
    },
  };
}
