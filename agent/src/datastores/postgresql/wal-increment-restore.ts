// Restoring a chain whose increments are archived WAL (wal-increment.ts): each increment's tar is
// extracted into the restore directory in chain order (its checksum verified as it streams), its
// manifest checked to start right where the backup before it ended, and the replay then stops at
// the last increment's stopLsn (recovery.ts).
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { exists } from "../common/host-fs.js";
import { feedTool } from "../common/tool-stream.js";
import { DatastoreBackupStreamError } from "../errors.js";
import type { OpenBackupObject } from "../manager.js";
import type { InstanceContext } from "./context.js";
import { parseManifest, segmentIndex, segmentName, WAL_MANIFEST } from "./wal-increment.js";

/** Where the chain's WAL ends, and how many files it staged. */
export interface StagedIncrements {
  stopLsn: string;
  files: number;
}

/**
 * Extracts every increment into the (existing, empty) restore directory, oldest first, after the
 * base backup is in place (its backup_label says where its WAL starts). A gap or an increment out
 * of order fails the restore naming it, as does a stream that ends early or does not verify.
 */
export async function stageIncrements(ctx: InstanceContext, increments: readonly OpenBackupObject[], signal: AbortSignal): Promise<StagedIncrements> {
  const dir = ctx.paths.walRestoreDir;
  const label = await readFile(join(ctx.paths.dataDir, "backup_label"), "utf8").catch(() => "");
  let expected = /^START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)/m.exec(label)?.[1];
  let staged: StagedIncrements | undefined;
  for (const [n, open] of increments.entries()) {
    const what = `incremental backup ${n + 1} of ${increments.length}`;
    const tar = ["--extract", "--file=-", `--directory=${dir}`, "--no-same-owner"];
    await feedTool("tar", tar, await open(signal), { account: ctx.switchTo, signal, label: `tar (extracting ${what})` });
    const manifest = parseManifest(await readFile(join(dir, WAL_MANIFEST), "utf8").catch(() => undefined), what);
    await rm(join(dir, WAL_MANIFEST), { force: true });
    const startsAt = segmentIndex(manifest.fromSegment, manifest.segmentSize);
    if (expected === undefined || startsAt !== segmentIndex(expected, manifest.segmentSize)) {
      throw new DatastoreBackupStreamError(`${what} starts at WAL file ${manifest.fromSegment}, not where the backup before it ends: the chain is out of order`);
    }
    for (const name of manifest.files) {
      if (!(await exists(join(dir, name)))) throw new DatastoreBackupStreamError(`${what} lacks WAL file ${name} its manifest lists`);
    }
    expected = segmentName(manifest.toSegment.slice(0, 8), segmentIndex(manifest.toSegment, manifest.segmentSize) + 1, manifest.segmentSize);
    staged = { stopLsn: manifest.stopLsn, files: (staged?.files ?? 0) + manifest.files.length };
  }
  if (!staged) throw new DatastoreBackupStreamError("no incremental backup to stage");
  ctx.logger.info({ increments: increments.length, ...staged }, "incremental backups' wal staged for replay");
  return staged;
}
