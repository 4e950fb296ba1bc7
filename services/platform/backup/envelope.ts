// Format v1 of an encrypted backup object: a 20-byte header, then the data in frames, each
// sealed on its own with AES-256-GCM (the STREAM construction of Hoang, Reyhanitabar, Rogaway and
// Vizár, as age and Tink use it). Frames let a multi-GB backup be sealed and checked as it flows,
// in constant memory; binding each frame's index and a final-frame flag into what GCM
// authenticates means frames cannot be reordered, dropped, duplicated or cut off undetected.
//
//   header   0..3  magic "HBAK"
//            4     format version (1)
//            5     algorithm (1 = AES-256-GCM frames)
//            6..7  reserved, zero
//            8..11 plaintext bytes per frame, uint32 BE (every frame but the last holds exactly this)
//           12..19 nonce prefix, 8 random bytes chosen per object
//   frame i  ciphertext (frameBytes, or 0..frameBytes for the last) || 16-byte GCM tag
//            nonce = prefix || uint32 BE i
//            AAD   = the 20 header bytes || uint64 BE i || 1 if last frame else 0
//
// The last frame is the one the stream ends with; a reader can tell it only at end of input, so a
// cut at a frame boundary turns a non-final frame into the "final" one and its tag fails. Putting
// the whole header in every AAD makes the header tamper-evident too (e.g. a changed frame size).
import { randomBytes } from "node:crypto";
import { BackupCorruptError } from "./errors.js";

export const headerBytes = 20;
export const tagBytes = 16;
export const defaultFrameBytes = 64 * 1024;
/** A reader buffers a frame, so a hostile header must not be able to ask for a huge one. */
export const maxFrameBytes = 4 * 1024 * 1024;
/** The frame index is 32 bits of the nonce: 2^32 frames of 64 KiB is 256 TiB per object. */
export const maxFrames = 2 ** 32;

const magic = Buffer.from("HBAK", "latin1");
const formatVersion = 1;
const algorithmAesGcmFrames = 1;

export interface EnvelopeHeader {
  frameBytes: number;
  noncePrefix: Buffer;
  /** The header as stored; bound into every frame's AAD. */
  encoded: Buffer;
}

/** A header for a new object, with a fresh random nonce prefix. */
export function newHeader(frameBytes = defaultFrameBytes): EnvelopeHeader {
  if (!Number.isInteger(frameBytes) || frameBytes < 1 || frameBytes > maxFrameBytes) throw new RangeError(`frame size must be 1 to ${maxFrameBytes} bytes`);
  const encoded = Buffer.alloc(headerBytes);
  magic.copy(encoded, 0);
  encoded.writeUInt8(formatVersion, 4);
  encoded.writeUInt8(algorithmAesGcmFrames, 5);
  encoded.writeUInt32BE(frameBytes, 8);
  const noncePrefix = randomBytes(8);
  noncePrefix.copy(encoded, 12);
  return { frameBytes, noncePrefix, encoded };
}

/** Reads a stored header; throws BackupCorruptError (naming `name`) if it is not one we wrote. */
export function parseHeader(encoded: Buffer, name: string | undefined): EnvelopeHeader {
  if (encoded.length !== headerBytes || !encoded.subarray(0, 4).equals(magic)) throw new BackupCorruptError(name, "not an encrypted backup (bad header)");
  const version = encoded.readUInt8(4);
  if (version !== formatVersion) throw new BackupCorruptError(name, `unknown format version ${version} (written by a newer Hoard?)`);
  if (encoded.readUInt8(5) !== algorithmAesGcmFrames || encoded.readUInt16BE(6) !== 0) throw new BackupCorruptError(name, "bad header");
  const frameBytes = encoded.readUInt32BE(8);
  if (frameBytes < 1 || frameBytes > maxFrameBytes) throw new BackupCorruptError(name, `bad header (frame size ${frameBytes})`);
  return { frameBytes, noncePrefix: Buffer.from(encoded.subarray(12, 20)), encoded: Buffer.from(encoded) };
}

/** The 12-byte GCM nonce of frame `index`: unique per (object, frame) under one data key. */
export function frameNonce(header: EnvelopeHeader, index: number): Buffer {
  const nonce = Buffer.alloc(12);
  header.noncePrefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, 8);
  return nonce;
}

/** What GCM authenticates besides the ciphertext: the header, the frame's index, whether it is last. */
export function frameAad(header: EnvelopeHeader, index: number, last: boolean): Buffer {
  const aad = Buffer.alloc(headerBytes + 9);
  header.encoded.copy(aad, 0);
  aad.writeBigUInt64BE(BigInt(index), headerBytes);
  aad.writeUInt8(last ? 1 : 0, headerBytes + 8);
  return aad;
}
