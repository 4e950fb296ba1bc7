// DeleteBackup's procedure. A backup other backups build on (its incremental children) goes only
// with cascade, and then together with all of them, deepest first, as the foreign key requires.
// Everything is marked DELETING before anything is removed, so no restore or new incremental starts
// from it meanwhile; a restore already reading one of them, or an increment started on one between
// the read and the marks, puts the marks back and refuses.
import { descendantsDeepestFirst } from "../../platform/backup-chain.js";
import { FailedPreconditionError } from "../../platform/errors.js";
import type { BackupRow, BackupStore } from "../store/backups.js";

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Deletes `target` (and with `cascade` every backup built on it): objects first, then rows. */
export async function deleteBackupTree(
  backups: BackupStore,
  deleteObjects: (backup: BackupRow) => Promise<void>,
  target: BackupRow,
  cascade: boolean,
): Promise<void> {
  const descendants = descendantsDeepestFirst(target.id, await backups.ofInstance(target.instanceId));
  if (descendants.length > 0 && !cascade) {
    const children = descendants.filter((b) => b.parentId === target.id).length;
    throw new FailedPreconditionError(
      `backup "${target.name}" has ${plural(children, "incremental backup", "incremental backups")} built on it ` +
        `(${plural(descendants.length, "backup", "backups")} in all depend on it); delete with cascade to delete them too`,
    );
  }
  const taking = descendants.find((b) => b.state === "NEW" || b.state === "BUILDING");
  if (taking) throw new FailedPreconditionError(`backup "${taking.name}", built on "${target.name}", is still being taken; delete when it is done`);

  const marked: BackupRow[] = [];
  try {
    // The target first: once it is DELETING no new increment can start on it.
    for (const backup of [target, ...[...descendants].reverse()]) {
      await backups.startDelete(backup.id);
      marked.push(backup);
    }
    const now = descendantsDeepestFirst(target.id, await backups.ofInstance(target.instanceId));
    if (now.length !== descendants.length) throw new FailedPreconditionError(`an incremental backup was started on "${target.name}" meanwhile; try again`);
    const restoring = await backups.restoringFrom(marked.map((b) => b.id));
    if (restoring.length > 0) {
      throw new FailedPreconditionError(`instance "${restoring.join('", "')}" is being restored from "${target.name}"${cascade ? " or a backup built on it" : ""}; delete when the restore is done`);
    }
  } catch (err) {
    for (const backup of marked) if (backup.state !== "DELETING") await backups.unmarkDeleting(backup.id, backup.state);
    throw err;
  }
  for (const backup of [...descendants, target]) {
    await deleteObjects(backup);
    await backups.remove(backup.id);
  }
}
