// User passwords: scrypt (memory-hard, in node:crypto) with a random salt per password. The stored
// string names its own parameters ("$scrypt$ln=15,r=8,p=1$<salt>$<hash>", PHC style), so the cost
// can be raised later: old hashes still verify with theirs, and needsRehash says when to re-hash at
// the next successful login. The work also slows every guess; verification runs on libuv's thread
// pool, so it does not stall the event loop.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/** scrypt cost: N = 2^ln (memory 128·N·r bytes, 32 MiB here), block size r, parallelism p. */
export interface ScryptParams {
  ln: number;
  r: number;
  p: number;
}

/** Today's cost (about 0.1 s on one core of this class of machine). */
export const currentParams: Readonly<ScryptParams> = Object.freeze({ ln: 15, r: 8, p: 1 });

const saltBytes = 16;
const keyBytes = 32;
/** Limits on parameters read back from storage, so a damaged row cannot ask for gigabytes. */
const maxLn = 20;
const maxR = 32;
const maxP = 16;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.ln;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, keyBytes, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** The string to store for `password`, with a fresh salt and the given (default: current) cost. */
export async function hashPassword(password: string, params: ScryptParams = currentParams): Promise<string> {
  const salt = randomBytes(saltBytes);
  const key = await derive(password, salt, params);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

interface Parsed {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

function parse(stored: string): Parsed | undefined {
  const m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m) return undefined;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (params.ln < 1 || params.ln > maxLn || params.r < 1 || params.r > maxR || params.p < 1 || params.p > maxP) return undefined;
  return { params, salt: Buffer.from(m[4] ?? "", "base64url"), key: Buffer.from(m[5] ?? "", "base64url") };
}

/** Whether `password` matches `stored`; false (never a throw) for a malformed stored value. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed || parsed.key.length === 0) return false;
  const key = await derive(password, parsed.salt, parsed.params);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** Whether `stored` was made with less work than `params` (then re-hash after a successful login). */
export function needsRehash(stored: string, params: ScryptParams = currentParams): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.params.ln < params.ln || parsed.params.r < params.r || parsed.params.p < params.p;
}

let decoy: Promise<string> | undefined;

/**
 * Spends the same work as checking a real password and answers false: for a login naming a user
 * that does not exist, so the answer's timing does not tell whether the user exists.
 */
export async function verifyAgainstDecoy(password: string): Promise<false> {
  decoy ??= hashPassword(randomBytes(16).toString("hex"));
  await verifyPassword(password, await decoy);
  return false;
}
