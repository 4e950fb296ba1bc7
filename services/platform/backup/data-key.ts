// Keys of a backup. Each backup is encrypted under its own random data key; the backup record
// stores that key wrapped (AES-256-GCM) by the operator's master key. So the master key never
// touches bulk data, a leaked data key exposes one backup, and rotating the master key means
// re-wrapping a few bytes per backup, not re-encrypting terabytes.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { BackupCorruptError, BackupKeyError } from "./errors.js";
import { loadOrCreateKey } from "../key-file.js";

const wrapVersion = 1;
const purpose = Buffer.from("hoard backup data key v1", "latin1");
// version(1) || master key id(8) || iv(12) || wrapped key(32) || tag(16)
const wrappedBytes = 1 + 8 + 12 + 32 + 16;

/** A fresh random 256-bit data key for one backup. */
export function newDataKey(): Buffer {
  return randomBytes(32);
}

/**
 * A short fingerprint of a master key (not secret: 64 bits of a hash of 256 random bits), stored
 * in each wrapped key so a restore under the wrong master key says so instead of "corrupt".
 */
export function masterKeyId(master: Buffer): string {
  checkKey(master, "master key");
  return createHash("sha256").update("hoard backup master key id\0").update(master).digest().subarray(0, 8).toString("hex");
}

/** Seals `dataKey` under `master`; the base64 result goes in the backup record. */
export function wrapDataKey(master: Buffer, dataKey: Buffer): string {
  checkKey(dataKey, "data key");
  const prefix = Buffer.concat([Buffer.from([wrapVersion]), Buffer.from(masterKeyId(master), "hex")]);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", master, iv);
  cipher.setAAD(Buffer.concat([purpose, prefix]));
  const sealed = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([prefix, iv, sealed, cipher.getAuthTag()]).toString("base64");
}

/** Opens a wrapped data key; BackupKeyError if `master` is not the key it was wrapped with. */
export function unwrapDataKey(master: Buffer, wrapped: string): Buffer {
  const id = masterKeyId(master);
  const raw = Buffer.from(wrapped, "base64");
  if (raw.length !== wrappedBytes || raw.readUInt8(0) !== wrapVersion) throw new BackupCorruptError(undefined, "the wrapped data key has an unknown format");
  const wrappedBy = raw.subarray(1, 9).toString("hex");
  if (wrappedBy !== id) {
    throw new BackupKeyError(`backup was encrypted under master key ${wrappedBy}, but the configured master key (HOARD_BACKUP_KEY or backup.key) is ${id}`);
  }
  const decipher = createDecipheriv("aes-256-gcm", master, raw.subarray(9, 21));
  decipher.setAAD(Buffer.concat([purpose, raw.subarray(0, 9)]));
  decipher.setAuthTag(raw.subarray(53));
  try {
    return Buffer.concat([decipher.update(raw.subarray(21, 53)), decipher.final()]);
  } catch {
    throw new BackupCorruptError(undefined, "the wrapped data key fails authentication");
  }
}

/**
 * The master key: HOARD_BACKUP_KEY (base64 of 32 bytes) when set, shared by every process that
 * writes or restores backups; else $HOARD_HOME/backup.key, created 0600 on first use. Losing it
 * loses every backup: operators must keep a copy away from the backups themselves.
 */
export function loadMasterKey(home: string, env: Record<string, string | undefined> = process.env): Buffer {
  return loadOrCreateKey({ envVar: "HOARD_BACKUP_KEY", file: path.join(home, "backup.key"), env });
}

function checkKey(key: Buffer, what: string): void {
  if (key.length !== 32) throw new RangeError(`${what} must be 32 bytes`);
}
