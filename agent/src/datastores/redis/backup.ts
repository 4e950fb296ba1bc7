// Backups of a running Redis: a fresh RDB snapshot (BGSAVE: the server forks, the child writes the
// dataset as of the fork while the parent keeps serving), then a tar of the snapshot and the ACL
// file. The ACL file is the users and their password hashes, which the RDB does not hold; a
// restore gives them back like PostgreSQL's and MariaDB's backups give back roles and accounts.
// The tar is the agent's own (common/tar-archive.ts): Redis replaces dump.rdb at every save, and
// the archive must hold the snapshot it opened, whatever Redis does to the name meanwhile.
import { basename } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createBackupStream } from "../common/backup-stream.js";
import { tarArchive } from "../common/tar-archive.js";
import { DatastoreEngineError } from "../errors.js";
import type { BackupFacts, BackupStream } from "../manager.js";
import { withAdminSession, type AdminSession } from "./admin-session.js";
import type { InstanceContext } from "./context.js";

/** Starts a full backup of the running server; see DatastoreBackups.backup. */
export async function backupServer(ctx: InstanceContext, signal: AbortSignal): Promise<BackupStream> {
  signal.throwIfAborted();
  const began = performance.now();
  const { engineVersion, savedAt } = await withAdminSession(ctx, signal, async (session) => {
    const version = infoFields(await session.call(["INFO", "server"])).get("redis_version") ?? "";
    return { engineVersion: version, savedAt: await freshSnapshot(session, signal) };
  });
  const savedMs = performance.now() - began;
  // Named as in the data directory, which is where a restore extracts them.
  const members = [ctx.paths.aclFile, ctx.paths.rdbFile].map((path) => ({ name: basename(path), path }));
  async function* copy(): AsyncGenerator<Buffer, BackupFacts, undefined> {
    yield* tarArchive(members);
    ctx.logger.info({ savedMs: Math.round(savedMs), ms: Math.round(performance.now() - began) }, "redis backup taken");
    return { format: "redis-tar", engineVersion, details: { savedAt: new Date(savedAt * 1000).toISOString() } };
  }
  return createBackupStream(copy());
}

/**
 * Makes the server write a snapshot that starts after this call, and waits for it: waits out a
 * save or AOF rewrite already running (its fork is older than the call), then BGSAVE, whose reply
 * comes after the fork; done when no save runs any more and the save count went up. Returns the
 * snapshot's time (LASTSAVE, seconds). A failed save throws (the server logged why).
 */
async function freshSnapshot(session: AdminSession, signal: AbortSignal): Promise<number> {
  let saves = 0;
  for (let wait = 10; ; wait = Math.min(wait * 2, 500)) {
    const before = infoFields(await session.call(["INFO", "persistence"]));
    const forked = ["rdb_bgsave_in_progress", "aof_rewrite_in_progress", "module_fork_in_progress"].some((field) => before.get(field) === "1");
    if (!forked) {
      saves = Number(before.get("rdb_saves") ?? 0);
      const started = await session.call(["BGSAVE"]).then(
        () => true,
        (err: unknown) => {
          if (err instanceof DatastoreEngineError && /in progress/i.test(err.message)) return false; // a fork began meanwhile
          throw err;
        },
      );
      if (started) break;
    }
    await sleep(wait, undefined, { signal });
  }
  for (let wait = 10; ; wait = Math.min(wait * 2, 500)) {
    await sleep(wait, undefined, { signal });
    const now = infoFields(await session.call(["INFO", "persistence"]));
    if (now.get("rdb_bgsave_in_progress") === "1") continue;
    if (now.get("rdb_last_bgsave_status") === "ok" && Number(now.get("rdb_saves") ?? 0) > saves) return Number(now.get("rdb_last_save_time") ?? 0);
    throw new DatastoreEngineError("redis could not write its RDB snapshot (BGSAVE failed: see the redis log)");
  }
}

/** INFO's "field:value" lines. */
function infoFields(reply: unknown): Map<string, string> {
  const text = typeof reply === "string" ? reply : "";
  return new Map(text.split("\r\n").flatMap((line) => (line.includes(":") && !line.startsWith("#") ? [[line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)] as const] : [])));
}
