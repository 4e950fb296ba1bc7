// mysql_native_password hashes, computed in the agent so that CREATE USER and ALTER USER carry
// `IDENTIFIED BY PASSWORD '*…'` and the plaintext never reaches the server: not its processlist,
// general or slow log, binary log, nor an error message echoing a statement.
import { createHash } from "node:crypto";

/** The stored form of mysql_native_password: '*' and the upper-case hex of SHA1(SHA1(password)). */
export function nativePasswordHash(password: string): string {
  const stage1 = createHash("sha1").update(password, "utf8").digest();
  return `*${createHash("sha1").update(stage1).digest("hex").toUpperCase()}`;
}
