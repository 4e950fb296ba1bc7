// Failures of the backup pipeline a user or operator must be able to tell apart: a stored object
// that is not what was written (restore must stop, never produce a silently wrong database), and
// a master key that is not the one a backup was sealed with (a configuration problem, fixable).
import { Code } from "@connectrpc/connect";
import { HoardError } from "../errors.js";

/** A stored backup object was altered, truncated or fails its checksum; the message names it. */
export class BackupCorruptError extends HoardError {
  constructor(
    /** The storage key of the object, when known (the decrypting stream alone does not know it). */
    readonly key: string | undefined,
    readonly reason: string,
  ) {
    super(Code.DataLoss, key === undefined ? `backup data is corrupt: ${reason}` : `backup object ${key} is corrupt: ${reason}`);
  }
}

/** The configured master key cannot unwrap a backup's data key (another key, or a bad value). */
export class BackupKeyError extends HoardError {
  constructor(message: string) {
    super(Code.FailedPrecondition, message);
  }
}
