import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import { createDecryptStream, createEncryptStream } from "./crypto-stream.js";
import { headerBytes, tagBytes } from "./envelope.js";
import { BackupCorruptError } from "./errors.js";

const key = randomBytes(32);

async function encrypt(data: Buffer, frameBytes?: number, chunk = 1 << 20): Promise<Buffer> {
  return buffer(Readable.from(split(data, chunk)).pipe(createEncryptStream(key, { frameBytes })));
}

/** Decrypts, also reporting whether the output ended cleanly. */
async function decrypt(sealed: Buffer, withKey = key, chunk = 1 << 20): Promise<{ data?: Buffer; error?: unknown; ended: boolean }> {
  const stream = Readable.from(split(sealed, chunk)).pipe(createDecryptStream(withKey, { name: "b1/base.bin" }));
  let ended = false;
  stream.once("end", () => (ended = true));
  // pipe() does not forward errors: the decrypt stream's own errors are what we test here.
  try {
    return { data: await buffer(stream), ended };
  } catch (error) {
    return { error, ended };
  }
}

function split(data: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return parts.length ? parts : [Buffer.alloc(0)];
}

describe("encrypt/decrypt streams", () => {
  const frame = 64 * 1024;

  it.each([0, 1, frame - 1, frame, frame + 1, 2 * frame, 10 * frame + 7])("round-trips %i bytes; stored size is header + data + one tag per frame", async (size) => {
    const data = randomBytes(size);
    const sealed = await encrypt(data);
    const frames = Math.max(1, Math.ceil(size / frame));
    expect(sealed.length).toBe(headerBytes + size + frames * tagBytes);
    expect((await decrypt(sealed)).data?.equals(data)).toBe(true);
  });

  it("does not depend on how the input is chunked (1-byte and odd chunks on both sides)", async () => {
    const data = randomBytes(1000);
    const sealed = await encrypt(data, 64, 1);
    expect((await decrypt(sealed, key, 1)).data?.equals(data)).toBe(true);
    expect((await decrypt(sealed, key, 77)).data?.equals(data)).toBe(true);
  });

  it("uses a fresh nonce prefix per object: the same data encrypts differently", async () => {
    const data = randomBytes(100);
    expect((await encrypt(data)).equals(await encrypt(data))).toBe(false);
  });

  it("fails on a flipped bit in any byte, never ending cleanly", async () => {
    const data = randomBytes(200); // 32-byte frames: 7 frames, every part of the format is covered
    const sealed = await encrypt(data, 32);
    for (let i = 0; i < sealed.length; i++) {
      const bad = Buffer.from(sealed);
      bad[i] = (bad[i] as number) ^ 0x01;
      const result = await decrypt(bad);
      expect(result.error, `byte ${i}`).toBeInstanceOf(BackupCorruptError);
      expect(result.ended, `byte ${i}`).toBe(false);
    }
  });

  it("fails on truncation at every length, including at frame boundaries", async () => {
    const sealed = await encrypt(randomBytes(200), 32);
    for (let length = 0; length < sealed.length; length++) {
      const result = await decrypt(sealed.subarray(0, length));
      expect(result.error, `length ${length}`).toBeInstanceOf(BackupCorruptError);
      expect(result.ended).toBe(false);
    }
  });

  it("fails when frames are dropped, swapped, duplicated or appended", async () => {
    const sealed = await encrypt(randomBytes(32 * 4 + 5), 32);
    const size = 32 + tagBytes;
    const header = sealed.subarray(0, headerBytes);
    const frames = split(sealed.subarray(headerBytes), size);
    const variants = {
      dropped: [frames[0], frames[2], frames[3], frames[4]],
      swapped: [frames[1], frames[0], frames[2], frames[3], frames[4]],
      duplicated: [frames[0], frames[0], frames[1], frames[2], frames[3], frames[4]],
      lastRemoved: [frames[0], frames[1], frames[2], frames[3]],
      appended: [...frames, frames[4]],
    };
    for (const [what, parts] of Object.entries(variants)) {
      const result = await decrypt(Buffer.concat([header, ...(parts as Buffer[])]));
      expect(result.error, what).toBeInstanceOf(BackupCorruptError);
    }
  });

  it("fails with another data key, naming the object", async () => {
    const result = await decrypt(await encrypt(randomBytes(10)), randomBytes(32));
    expect(result.error).toBeInstanceOf(BackupCorruptError);
    expect((result.error as Error).message).toMatch(/^backup object b1\/base\.bin is corrupt: frame 0 fails authentication/);
  });

  it("refuses a header it did not write", async () => {
    const result = await decrypt(Buffer.from("PK\x03\x04 this is a zip file, not a backup"));
    expect((result.error as Error).message).toContain("not an encrypted backup");
  });
});
