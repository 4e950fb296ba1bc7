// The BackupStream every engine hands out, built from one async generator that yields the backup's
// bytes and returns its facts: the bytes become a Readable that pulls only as fast as the caller
// reads, and the facts a promise settled when the generator is. An engine's generator chains its
// tools (common/tool-stream.ts) and whatever it must hold open meanwhile (a session, a temp dir).
import { Readable } from "node:stream";
import { DatastoreEngineError } from "../errors.js";
import type { BackupFacts, BackupStream } from "../manager.js";

/**
 * Wraps `source` into a BackupStream and starts it. `data` ends after the generator returned and errors with
 * what it threw, which `done` rejects with too; a caller that destroys `data` early ends the
 * generator (its finally blocks kill tools and close sessions) and `done` rejects.
 */
export function createBackupStream(source: AsyncGenerator<Buffer, BackupFacts, undefined>): BackupStream {
  let settle!: { resolve: (facts: BackupFacts) => void; reject: (err: unknown) => void };
  const done = new Promise<BackupFacts>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => {}); // the caller awaits it; a caller that only reads `data` sees the same error there
  async function* run(): AsyncGenerator<Buffer, void, undefined> {
    let settled = false;
    try {
      const facts = yield* source;
      settled = true;
      settle.resolve(facts);
    } catch (err) {
      settled = true;
      settle.reject(err);
      throw err;
    } finally {
      if (!settled) settle.reject(new DatastoreEngineError("the backup was cancelled: its stream was closed before it ended"));
    }
  }
  const data = Readable.from(run(), { objectMode: false });
  data.read(0); // starts the generator now: the backup begins at once, and a caller that destroys `data` unread still runs its clean-up
  return { data, done };
}
