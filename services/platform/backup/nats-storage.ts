// The JetStream Object Store driver: backups kept in a bucket of the NATS the control plane
// already runs, so a small deployment needs no second storage system. Written for nats-server
// 2.9 (no stream compression or metadata; the pipeline compresses before us anyway).
import { Readable } from "node:stream";
import { DeliverPolicy, jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { Objm, StorageType, type ObjectInfo, type ObjectStore, type ObjectStoreOptions } from "@nats-io/obj";
import type { NatsConnection } from "@nats-io/transport-node";
import { UnavailableError } from "../errors.js";
import { BackupCorruptError } from "./errors.js";
import { objectNotFound, validateKey, validatePrefix, type BackupStorage } from "./storage.js";

export interface NatsStorageOptions {
  /** Object store bucket; created (file storage) when missing. */
  bucket?: string;
  /** Replicas of a bucket created here; ignored for an existing bucket. */
  replicas?: number;
  /** Cap on the whole bucket in bytes (a put beyond it fails); unlimited when unset. */
  maxBytes?: number;
  /** Size of each stored chunk (NATS message); clamped by the library to the server's max_payload. */
  chunkBytes?: number;
}

export const defaultBucket = "hoard-backups";
/** Chunks fetched per pull while reading: bounds a restore's memory to about this many chunks. */
const chunksPerPull = 8;
const pullExpiresMs = 10_000;

/** Opens (creating when missing) the bucket and returns a BackupStorage on it. */
export async function createNatsStorage(nc: NatsConnection, options: NatsStorageOptions = {}): Promise<BackupStorage> {
  const bucket = options.bucket ?? defaultBucket;
  const chunkBytes = options.chunkBytes ?? 128 * 1024;
  const config: Partial<ObjectStoreOptions> = { storage: StorageType.File, description: "Hoard backups" };
  if (options.replicas !== undefined) config.replicas = options.replicas;
  if (options.maxBytes !== undefined) config.max_bytes = options.maxBytes;
  const store = await new Objm(nc).create(bucket, config);
  // create() swallows every error but "stream not found" (e.g. JetStream disabled): ask once so a
  // misconfigured server fails here, at start-up, rather than at the first backup.
  await store.status().catch((err: unknown) => {
    throw new UnavailableError(`backup bucket ${bucket} is not usable: ${err instanceof Error ? err.message : String(err)}`);
  });
  const js = jetstream(nc);
  const where = `NATS bucket ${bucket}`;

  return {
    kind: "nats",
    location: bucket,

    async put(key, data, signal) {
      const abort = () => data.destroy(signal?.reason instanceof Error ? signal.reason : new Error("put aborted"));
      try {
        validateKey(key);
        signal?.throwIfAborted();
        signal?.addEventListener("abort", abort, { once: true });
        // The library publishes chunks as it reads and writes the object's metadata last, so a
        // reader sees the old object (or none) until the new one is complete; on failure it
        // purges the chunks it wrote.
        const info = await store.put({ name: key, options: { max_chunk_size: chunkBytes } }, toWebStream(data));
        return { bytes: info.size };
      } catch (err) {
        data.destroy();
        throw err;
      } finally {
        signal?.removeEventListener("abort", abort);
      }
    },

    async get(key) {
      const info = await liveInfo(store, validateKey(key));
      if (!info) throw objectNotFound(key);
      return Readable.from(readChunks(js, bucket, info, where), { objectMode: false });
    },

    async delete(key) {
      await store.delete(validateKey(key)); // reports, rather than throws, a missing object
    },

    async exists(key) {
      return (await liveInfo(store, validateKey(key))) !== null;
    },

    async list(prefix) {
      validatePrefix(prefix);
      // The object store keeps one metadata message per object; list() reads them all. Fine for
      // the thousands of objects a bucket holds here; a prefix index would be the next step.
      const infos = await store.list();
      return infos
        .filter((info) => !info.deleted && info.name.startsWith(prefix))
        .map((info) => info.name)
        .sort();
    },
  };
}

async function liveInfo(store: ObjectStore, key: string): Promise<ObjectInfo | null> {
  const info = await store.info(key);
  return info && !info.deleted ? info : null;
}

/** Hands the library a web stream that reads `data` only when asked, keeping backpressure. */
function toWebStream(data: Readable): ReadableStream<Uint8Array> {
  const chunks = data[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else if (next.value instanceof Uint8Array) controller.enqueue(next.value);
        else throw new TypeError("backup data must be a stream of bytes");
      },
      async cancel() {
        await chunks.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Reads an object's chunks with an ordered pull consumer, a few at a time as the caller reads.
 * The library's own get() pushes the whole object into memory however slowly it is consumed
 * (50 MB object, unread for 3 s: +79 MB of buffers), which a multi-GB restore cannot afford.
 * Subjects and stream name follow the object store layout (ADR-20): chunks of an object are the
 * messages on `$O.<bucket>.C.<nuid>` in stream `OBJ_<bucket>`.
 */
async function* readChunks(js: JetStreamClient, bucket: string, info: ObjectInfo, where: string): AsyncGenerator<Buffer> {
  if (info.chunks === 0) return;
  const consumer = await js.consumers.get(`OBJ_${bucket}`, { filter_subjects: `$O.${bucket}.C.${info.nuid}`, deliver_policy: DeliverPolicy.All });
  let chunks = 0;
  let bytes = 0;
  try {
    while (chunks < info.chunks) {
      const batch = await consumer.fetch({ max_messages: Math.min(chunksPerPull, info.chunks - chunks), expires: pullExpiresMs });
      const before = chunks;
      for await (const msg of batch) {
        chunks++;
        bytes += msg.data.length;
        yield Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.length);
      }
      // A live server that sends nothing within the expiry no longer has the chunks (purged,
      // or deleted while we read); a dead one makes fetch() throw instead.
      if (chunks === before) throw new BackupCorruptError(info.name, `only ${chunks} of its ${info.chunks} chunks are in ${where}`);
    }
    if (bytes !== info.size) throw new BackupCorruptError(info.name, `its chunks in ${where} hold ${bytes} bytes, its metadata says ${info.size}`);
  } finally {
    await consumer.delete().catch(() => undefined); // else the server drops it after its inactivity threshold
  }
}
