// A 256-bit key from an environment variable (production: every replica shares it) or else from a
// file created on first use (the embedded default). The same logic serves the secrets key
// (secrets.ts) and the backup master key (backup/data-key.ts).
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ConfigError } from "./config.js";

export interface KeySource {
  /** e.g. HOARD_BACKUP_KEY: base64 of 32 bytes; wins when set and non-empty. */
  envVar: string;
  /** e.g. $HOARD_HOME/backup.key: created 0600 with a random key when missing. */
  file: string;
  env?: Record<string, string | undefined>;
}

/** Returns the 32-byte key; throws ConfigError naming the variable or file if it is malformed. */
export function loadOrCreateKey({ envVar, file, env = process.env }: KeySource): Buffer {
  const fromEnv = env[envVar];
  if (fromEnv) return decodeKey(fromEnv, envVar);
  createOnce(file);
  return decodeKey(fs.readFileSync(file, "utf8"), file);
}

/**
 * Writes a new key to a temp file, fsyncs it, then hard-links it into place: link() fails if the
 * name exists, so of two processes starting at once exactly one key wins, and neither can read a
 * file that exists but is still empty (which a plain create-then-write allows).
 */
function createOnce(file: string): void {
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  const fd = fs.openSync(temp, "wx", 0o600);
  try {
    fs.writeSync(fd, `${randomBytes(32).toString("base64")}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    fs.unlinkSync(temp);
  }
}

function decodeKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  // Buffer.from(…, "base64") skips junk silently; a typo in a key must not become another key.
  // Both alphabets (standard and URL-safe), padded or not, are what operators' tools produce.
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) throw new ConfigError(`${source} must hold a base64-encoded 32-byte key`);
  return Buffer.from(trimmed, "base64");
}
