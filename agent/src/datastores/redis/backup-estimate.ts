// What a backup of this Redis streams, for progress reports: the snapshot and the ACL file as
// they are on disk once the backup's BGSAVE finished (DatastoreBackups.backup resolves only
// then), plus the tar's headers and padding. Close to exact; a save racing the copy moves it a little.
import { fileSize } from "../common/host-fs.js";
import type { InstanceContext } from "./context.js";

const TAR_BLOCK = 512;

export async function estimateBackupBytes(ctx: InstanceContext): Promise<number> {
  const sizes = await Promise.all([ctx.paths.aclFile, ctx.paths.rdbFile].map(fileSize));
  const padded = sizes.reduce((sum, size) => sum + TAR_BLOCK + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK, 0);
  return padded + 2 * TAR_BLOCK; // the end-of-archive blocks
}
