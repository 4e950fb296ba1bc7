// Which engines take incremental backups: the one place that says so. The gateway refuses an
// incremental CreateBackup, and a schedule with full_every, for the others; enabling an engine
// (once its agent code takes and restores increments) is one line here.
import { FailedPreconditionError } from "./errors.js";

const incrementalEngines: Readonly<Record<string, boolean>> = {
  mariadb: true, // mariadb-backup --incremental-lsn from the parent's to_lsn
  postgresql: true, // the WAL archived since the parent, copied into the backup
  redis: false, // an RDB snapshot is always the whole dataset
};

/** True when backups of the engine (a datastore version's manager) may be incremental. */
export function takesIncrementalBackups(manager: string): boolean {
  return incrementalEngines[manager] === true;
}

/** FailedPreconditionError unless the engine takes incremental backups; `datastore` names it for the user. */
export function requireIncrementalBackups(manager: string, datastore: string): void {
  if (!takesIncrementalBackups(manager)) {
    throw new FailedPreconditionError(`${datastore} backups are always full: incremental backups are not supported for ${datastore}`);
  }
}
