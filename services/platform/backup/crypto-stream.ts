// Stream transforms that seal and open the frame format of envelope.ts. Both hold at most about
// one frame, so a backup of any size passes through in constant memory with backpressure intact.
import { createCipheriv, createDecipheriv } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { ByteQueue } from "./byte-queue.js";
import { frameAad, frameNonce, headerBytes, maxFrames, newHeader, parseHeader, tagBytes, type EnvelopeHeader } from "./envelope.js";
import { BackupCorruptError } from "./errors.js";

/** Encrypts a byte stream under a 32-byte data key; the output starts with the header. */
export function createEncryptStream(dataKey: Buffer, options: { frameBytes?: number } = {}): Transform {
  checkKey(dataKey);
  const header = newHeader(options.frameBytes);
  const pending = new ByteQueue();
  let index = 0;

  function seal(stream: Transform, plaintext: Buffer, last: boolean): void {
    if (index >= maxFrames) throw new RangeError("backup object too large for one envelope");
    const cipher = createCipheriv("aes-256-gcm", dataKey, frameNonce(header, index));
    cipher.setAAD(frameAad(header, index, last));
    const body = cipher.update(plaintext);
    cipher.final(); // GCM emits nothing here
    stream.push(Buffer.concat([body, cipher.getAuthTag()]));
    index++;
  }

  return new Transform({
    construct(callback) {
      this.push(header.encoded);
      callback();
    },
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        pending.push(chunk);
        // A full frame goes out only once a byte beyond it exists: until then it may be the last.
        while (pending.length > header.frameBytes) seal(this, pending.take(header.frameBytes), false);
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        seal(this, pending.take(pending.length), true); // empty input still gets one (empty) last frame
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}

/**
 * Decrypts what createEncryptStream wrote. Any altered, missing, reordered or extra byte, a cut
 * anywhere, or the wrong key fails the stream with BackupCorruptError (naming `name`). The last
 * frame's plaintext is released only after the input has ended and that frame authenticated, so a
 * consumer never sees a clean end of a truncated object.
 */
export function createDecryptStream(dataKey: Buffer, options: { name?: string } = {}): Transform {
  checkKey(dataKey);
  const name = options.name;
  const pending = new ByteQueue();
  let header: EnvelopeHeader | undefined;
  let index = 0;

  function open(stream: Transform, sealed: Buffer, last: boolean): void {
    const h = header as EnvelopeHeader;
    if (index >= maxFrames) throw new BackupCorruptError(name, "too many frames");
    const decipher = createDecipheriv("aes-256-gcm", dataKey, frameNonce(h, index));
    decipher.setAAD(frameAad(h, index, last));
    decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
    const plaintext = decipher.update(sealed.subarray(0, sealed.length - tagBytes));
    try {
      decipher.final();
    } catch {
      // GCM cannot say which: a changed byte, a cut, frames moved, or another key.
      throw new BackupCorruptError(name, `frame ${index} fails authentication (altered, truncated, or encrypted with another key)`);
    }
    stream.push(plaintext);
    index++;
  }

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        pending.push(chunk);
        if (!header && pending.length >= headerBytes) header = parseHeader(pending.take(headerBytes), name);
        if (header) {
          const frame = header.frameBytes + tagBytes;
          // More than a whole frame buffered: the frame at the front cannot be the last one.
          while (pending.length > frame) open(this, pending.take(frame), false);
        }
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (!header) throw new BackupCorruptError(name, "truncated (no complete header)");
        if (pending.length < tagBytes) throw new BackupCorruptError(name, "truncated (last frame incomplete)");
        open(this, pending.take(pending.length), true);
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new RangeError("data key must be 32 bytes");
}
