// Where backup objects live. A driver only moves bytes: compression, encryption and checksums
// happen above it (pipeline.ts), so every driver gets them the same way and none can skip them.
import type { Readable } from "node:stream";
import { InvalidArgumentError, NotFoundError } from "../errors.js";

/** A flat store of immutable byte objects under slash-separated keys (`<backupId>/base.bin`). */
export interface BackupStorage {
  readonly kind: "file" | "nats";
  /**
   * Where the objects are, in the form the driver's factory takes back: the directory (file) or
   * the bucket name (nats). With `kind`, what a backup record keeps to reopen its storage.
   */
  readonly location: string;
  /**
   * Stores `data` under `key`, replacing any object there. The object becomes visible only once
   * complete: a failure or crash part-way leaves the previous state. Rejects (and destroys `data`)
   * on failure; an abort of `signal` is a failure.
   */
  put(key: string, data: Readable, signal?: AbortSignal): Promise<{ bytes: number }>;
  /** Streams the object; rejects with NotFoundError when there is none. */
  get(key: string): Promise<Readable>;
  /** Removes the object; removing a missing one succeeds (retried deletes are normal). */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /**
   * Keys of the complete objects under `prefix` (a folder, ending in "/"), sorted, at any depth.
   * An object being written is not listed until it is complete. A WAL archive is read this way:
   * its object names are only known to the instance that wrote them.
   */
  list(prefix: string): Promise<string[]>;
}

const keyPattern = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const maxKeyLength = 512;

/**
 * Returns `key` if it is a safe relative name, else throws InvalidArgumentError. Keys end up as
 * file paths and NATS object names, so anything that could climb out of the store or mean
 * different things to different drivers is refused: `..`, absolute paths, empty segments,
 * characters outside [A-Za-z0-9._-/]. Segments may not start with a dot either: the file driver
 * keeps its in-progress temporaries under dot names, so no key can collide with one.
 */
export function validateKey(key: string): string {
  if (key.length === 0 || key.length > maxKeyLength) throw new InvalidArgumentError("key", `must be 1 to ${maxKeyLength} characters`);
  if (!keyPattern.test(key)) {
    throw new InvalidArgumentError("key", `"${printable(key)}" must be relative segments of [A-Za-z0-9._-] joined by "/"`);
  }
  if (key.split("/").some((segment) => segment.startsWith("."))) {
    throw new InvalidArgumentError("key", `"${key}" has a segment starting with "." (reserved)`);
  }
  return key;
}

/** Returns `prefix` if it is a valid key followed by "/", else throws InvalidArgumentError. */
export function validatePrefix(prefix: string): string {
  if (!prefix.endsWith("/")) throw new InvalidArgumentError("prefix", `"${printable(prefix)}" must end with "/"`);
  validateKey(prefix.slice(0, -1));
  return prefix;
}

/** The error every driver throws for a missing object, so callers catch one class. */
export function objectNotFound(key: string): NotFoundError {
  return new NotFoundError("backup object", key);
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, 80);
}
