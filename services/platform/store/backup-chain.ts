// Reads a backup's chain (its full backup, then each increment up to it) by following parentId,
// for the gateway's restore checks and the taskmanager's restore; the rules are ../backup-chain.ts.
import type { Backup } from "../../../gen/prisma/sqlite/client.js";
import { walkChain } from "../backup-chain.js";
import type { DbTx } from "../db/index.js";

/** The chain ending at backup `leafId`, full backup first; FailedPreconditionError when it is broken. */
export async function loadBackupChain(db: Pick<DbTx, "backup">, leafId: string): Promise<Backup[]> {
  const leaf = await db.backup.findUniqueOrThrow({ where: { id: leafId } });
  return walkChain(leaf, (id) => db.backup.findUnique({ where: { id } }));
}
