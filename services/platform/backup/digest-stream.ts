// Pass-through transforms that measure what flows: byte counts, and the SHA-256 of the stored
// bytes (recorded at backup, checked at restore). Checking the stored form, not the plaintext,
// catches damage before decryption and lets an operator verify an object without any key.
import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { BackupCorruptError } from "./errors.js";

/** Counts the bytes passing through; `onCount` hears the running total after each chunk. */
export function createCountStream(onCount?: (bytes: number) => void): Transform & { readonly bytes: number } {
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      bytes += chunk.length;
      onCount?.(bytes);
      callback(null, chunk);
    },
  });
  return Object.defineProperty(stream, "bytes", { get: () => bytes }) as Transform & { readonly bytes: number };
}

/** Counts and hashes the bytes passing through; `sha256()` is valid once the stream finished. */
export function createDigestStream(): Transform & { readonly bytes: number; sha256(): string } {
  const hash = createHash("sha256");
  let bytes = 0;
  let digest: string | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      digest = hash.digest("hex");
      callback();
    },
  });
  return Object.assign(Object.defineProperty(stream, "bytes", { get: () => bytes }), {
    sha256(): string {
      if (digest === undefined) throw new Error("digest read before the stream finished");
      return digest;
    },
  }) as Transform & { readonly bytes: number; sha256(): string };
}

/**
 * Passes bytes through and, at the end, fails with BackupCorruptError naming `key` unless their
 * SHA-256 is `expected`. The failure replaces the end: nothing downstream sees a normal finish.
 */
export function createVerifyStream(key: string, expected: string): Transform {
  const hash = createHash("sha256");
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      const actual = hash.digest("hex");
      callback(actual === expected ? null : new BackupCorruptError(key, "checksum mismatch"));
    },
  });
}
