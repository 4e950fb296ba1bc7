// Restores a backup (backup.ts's tar of the RDB snapshot and the ACL file) into a new instance:
// extracted as the server's account into a staging directory, the snapshot checked with
// redis-check-rdb, the agent's ACL user given this instance's password (the other users and root
// stay the source's), and this instance's redis.conf written beside them before the rename, so an
// interrupted restore reads as ours. With the AOF on (the default), Redis loads the AOF at start and
// would ignore dump.rdb: the snapshot also becomes the AOF's base file, with a manifest naming it
// (Redis 7's multi-part AOF), so whichever the configuration says is loaded holds the backup.
import { execFile } from "node:child_process";
import { link, readFile, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Readable } from "node:stream";
import { promisify } from "node:util";
import { CHILD_ENV } from "../common/child-env.js";
import { ensureOwnedDir, exists } from "../common/host-fs.js";
import { writeOwnedFile } from "../common/owned-file.js";
import { buildDataDir } from "../common/restore-target.js";
import { feedTool } from "../common/tool-stream.js";
import { DatastoreBackupStreamError, DatastorePreconditionError } from "../errors.js";
import { withAdminOf } from "./acl.js";
import { stopServer } from "./app.js";
import type { InstanceContext } from "./context.js";
import { dataDirState } from "./data-dir.js";
import { AOF_DIRNAME, AOF_FILENAME, RDB_FILENAME } from "./paths.js";
import { parseConfig } from "./settings.js";

/** Refuses a prepared instance or someone else's files; clears what an interrupted prepare or restore left. */
export async function clearForRestore(ctx: InstanceContext, stopTimeoutSeconds: number, signal: AbortSignal): Promise<void> {
  const state = await dataDirState(ctx);
  if (state === "prepared") throw new DatastorePreconditionError("instance is prepared already: a backup restores into a new instance only");
  if (state === "foreign") throw new DatastorePreconditionError(`${ctx.paths.dataDir} holds files Hoard did not write; refusing to overwrite them`);
  if (state === "interrupted") {
    ctx.logger.warn("redis data directory left by an interrupted prepare or restore; starting over");
    await stopServer(ctx, stopTimeoutSeconds, signal);
    await rm(ctx.paths.dataDir, { recursive: true, force: true });
  }
}

/** Builds the data directory from the stream with `config` as its redis.conf; see the header. */
export async function restoreDataDir(ctx: InstanceContext, data: Readable, config: string, adminPassword: string, signal: AbortSignal): Promise<void> {
  const { paths, switchTo } = ctx;
  await buildDataDir(paths.dataDir, switchTo, signal, async (staging) => {
    const tar = ["--extract", "--file=-", `--directory=${staging}`, "--no-same-owner"];
    await feedTool("tar", tar, data, { account: switchTo, signal, label: "tar (extracting the backup)" });
    const rdb = join(staging, RDB_FILENAME);
    const acl = join(staging, basename(paths.aclFile));
    if (!(await exists(rdb)) || !(await exists(acl))) {
      throw new DatastoreBackupStreamError(`the backup stream holds no complete Redis backup (no ${RDB_FILENAME} or ${basename(paths.aclFile)})`);
    }
    await checkRdb(ctx, rdb, signal);
    await writeOwnedFile(acl, withAdminOf(await readFile(acl, "utf8"), adminPassword), switchTo);
    if (parseConfig(config).get("appendonly") !== "no") await seedAof(ctx, staging, rdb);
    await writeOwnedFile(join(staging, basename(paths.configFile)), config, switchTo);
  });
}

/** redis-check-rdb over the snapshot: a corrupt or truncated one fails the restore before any start. */
async function checkRdb(ctx: InstanceContext, rdb: string, signal: AbortSignal): Promise<void> {
  const checker = join(ctx.layout.binDir, "redis-check-rdb");
  if (!(await exists(checker))) return; // the server's own load still refuses a bad snapshot
  const account = ctx.switchTo ? { uid: ctx.switchTo.uid, gid: ctx.switchTo.gid } : {};
  try {
    await promisify(execFile)(checker, [rdb], { cwd: "/", env: { ...CHILD_ENV }, signal, maxBuffer: 1024 * 1024, ...account });
  } catch (err) {
    signal.throwIfAborted();
    const output = (err as { stdout?: string }).stdout ?? (err instanceof Error ? err.message : String(err));
    throw new DatastoreBackupStreamError("the backup's RDB snapshot does not check out", output.trim().split("\n").slice(-10).join("\n"), { cause: err });
  }
}

/** The snapshot as the AOF's base (a hard link: no copy, and Redis never writes either file in place). */
async function seedAof(ctx: InstanceContext, staging: string, rdb: string): Promise<void> {
  const dir = join(staging, AOF_DIRNAME);
  await ensureOwnedDir(dir, ctx.switchTo, 0o700);
  const base = `${AOF_FILENAME}.1.base.rdb`;
  await link(rdb, join(dir, base));
  await writeOwnedFile(join(dir, `${AOF_FILENAME}.manifest`), `file ${base} seq 1 type b\n`, ctx.switchTo);
}
