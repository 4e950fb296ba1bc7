// What a full backup of this server streams, for progress reports: mariadb-backup copies the data
// directory's files whole (tablespaces with their free pages, system tables), so their disk use
// is the measure, less the files it does not copy whole: the redo log (only the records written
// during the copy go in) and the temporary tablespace (never copied).
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { diskUsageBytes, fileSize } from "../common/host-fs.js";
import type { InstanceContext } from "./context.js";

const NOT_COPIED = /^(ib_logfile\d+|ibtmp\d+)$/;

export async function estimateFullBackupBytes(ctx: InstanceContext): Promise<number> {
  const { dataDir } = ctx.paths;
  const skipped = (await readdir(dataDir).catch(() => [])).filter((name) => NOT_COPIED.test(name));
  const skippedBytes = (await Promise.all(skipped.map((name) => fileSize(join(dataDir, name))))).reduce((sum, size) => sum + size, 0);
  return Math.max(0, (await diskUsageBytes(dataDir)) - skippedBytes);
}
