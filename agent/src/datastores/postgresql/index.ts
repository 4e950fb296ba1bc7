// PostgreSQL 15 datastore of the guest agent. The manager initialises instances by copying a
// per-host template data directory (made once with initdb), runs the server as the layout's
// unprivileged account through pg_ctl, and administers it as the superuser over the unix socket
// with peer authentication; clients always authenticate with SCRAM-SHA-256 over TCP.
//
// manager.ts     the DatastoreManager operations               postmaster.ts  pid file truth, stale cleanup
// app.ts         server process (pg_ctl start/stop/reload)     config-files.ts  hoard.conf, pg_ident; hba.ts  pg_hba
// template.ts    template build and copy                       settings.ts  settings derived from flavor and layout
// configure.ts   Configure: write, reload, restart pending     parameters.ts  a configuration group's parameters
// live-settings.ts  reload and wait, pending restart, values   agent-state.ts  settings and log switches on the volume
// logs.ts        GuestLogs: error, slow, general               server-log.ts  the server log's files and entries
// log-switches.ts  slow/general switches as settings           admin.ts / queries.ts / scram.ts  prepare's roles, databases
// admin-ops.ts   DatastoreAdmin: databases.ts, users.ts, access.ts (grants), root.ts, over admin-session.ts,
//                with admin-queries.ts (SQL) and names.ts (datastore-names.ts rules)
// status.ts      health probe                                  exec.ts / paths.ts / context.ts  plumbing
// backup.ts      pg_basebackup's tar as a stream, WAL kept by a temporary slot
// restore.ts     a backup extracted, verified (pg_verifybackup) and started with this instance's config

export { createPostgresqlManager, type PostgresqlManagerOptions } from "./manager.js";
export {
  DatastoreConflictError,
  DatastoreEngineError,
  DatastoreNotFoundError,
  DatastorePreconditionError,
  DatastoreSpecError,
} from "../errors.js";
export { deriveSettings } from "./settings.js";
export { MAX_SOCKET_PATH_BYTES } from "../common/layout-checks.js";
