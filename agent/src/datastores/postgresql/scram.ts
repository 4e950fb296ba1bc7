// Turns a password into the SQL literal the agent sends: a SCRAM-SHA-256 verifier computed here, so
// the plaintext never reaches the server, its logs or pg_stat_activity.
import { createHash, createHmac, pbkdf2, randomBytes } from "node:crypto";
import { promisify } from "node:util";

const pbkdf2Async = promisify(pbkdf2);

/** PostgreSQL 15's fixed iteration count (scram_iterations only arrives in 16). */
export const SCRAM_ITERATIONS = 4096;

/**
 * The value to put after PASSWORD: a verifier in PostgreSQL's stored format when we can compute
 * exactly what the server would, else the plaintext. The server SASLprep-normalises non-ASCII
 * passwords (NFKC and more) before hashing; rather than re-implement SASLprep, non-ASCII
 * passwords go as plaintext and the server hashes them (the agent's session never logs statements).
 */
export async function passwordForSql(password: string): Promise<string> {
  return /^[\x00-\x7f]*$/.test(password) ? scramVerifier(password) : password;
}

/** SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>, as RFC 5802/7677 and PostgreSQL define it. */
export async function scramVerifier(password: string, salt = randomBytes(16)): Promise<string> {
  const salted = await pbkdf2Async(Buffer.from(password, "utf8"), salt, SCRAM_ITERATIONS, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  const b64 = (buffer: Buffer): string => buffer.toString("base64");
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}
