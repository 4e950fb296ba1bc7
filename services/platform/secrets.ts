// Secrets at rest (initial user passwords and admin passwords in task payloads) are sealed with
// AES-256-GCM under a key from config, so a copy of the state database alone reveals nothing.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import path from "node:path";
import { loadOrCreateKey } from "./key-file.js";

export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

const version = "v1";

/** Builds a box around a 32-byte key. */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error("secret key must be 32 bytes");
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return [version, iv.toString("base64"), cipher.getAuthTag().toString("base64"), data.toString("base64")].join(":");
    },
    open(sealed) {
      const [v, iv, tag, data] = sealed.split(":");
      if (v !== version || !iv || !tag || data === undefined) throw new Error("sealed secret has an unknown format");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
      decipher.setAuthTag(Buffer.from(tag, "base64"));
      return Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]).toString("utf8");
    },
  };
}

/**
 * The key comes from HOARD_SECRET_KEY (base64) when set (production: every replica shares it),
 * else from $HOARD_HOME/secret.key, created 0600 on first use (the embedded default).
 */
export function loadSecretKey(home: string, env: Record<string, string | undefined> = process.env): Buffer {
  return loadOrCreateKey({ envVar: "HOARD_SECRET_KEY", file: path.join(home, "secret.key"), env });
}
