// The contract every datastore engine implements inside the guest agent. The agent's RPC
// handlers only ever talk to this interface; engine specifics stay in datastores/<engine>/.
import type { Readable } from "node:stream";

/** Where an instance lives on disk and on the network, fixed for its lifetime. */
export interface InstanceLayout {
  instanceId: string;
  /** Instance root, e.g. $HOARD_HOME/instances/<id>; the volume is mounted (or created) at `${root}/volume`. */
  root: string;
  /** Directory on the instance's volume that the engine owns (data files). */
  dataDir: string;
  /** Directory for sockets, pid files and other runtime state (not on the volume). */
  runDir: string;
  /** Directory for the engine's log files. */
  logDir: string;
  /** Address the engine listens on (a loopback address such as 127.10.0.3, or a host address). */
  host: string;
  port: number;
  /** Unprivileged OS account the engine process runs as (uid/gid resolved by the agent). */
  runAs: { uid: number; gid: number; user: string } | undefined;
  /** Directory holding the engine binaries of the datastore version (e.g. /usr/lib/postgresql/15/bin). */
  binDir: string;
  /** Host-wide cache shared by instances (e.g. prepared template data directories per engine version). */
  cacheDir: string;
}

export interface DatabaseSpec {
  name: string;
  characterSet?: string;
  collation?: string;
}

export interface UserSpec {
  name: string;
  password: string;
  host?: string;
  databases: string[];
}

/**
 * How the control plane wants the server configured, beyond its fixed layout. Prepare receives it
 * first; Configure replaces it whole later (resize flavor, configuration group, access change).
 */
export interface ServerSettings {
  /** Flavor memory in MiB, from which memory settings are derived. */
  ramMb: number;
  vcpus: number;
  /**
   * Parameter values from the instance's configuration group, engine-native names (e.g. work_mem,
   * innodb_buffer_pool_size, maxmemory-policy), values as strings. Already checked by the control
   * plane against the datastore version's parameter catalogue; they win over flavor-derived values.
   */
  parameters: Record<string, string>;
  /** CIDRs (IPv4 or IPv6) clients may connect from; empty means from anywhere. */
  allowedCidrs: string[];
}

/** What the control plane asks for when it first prepares an instance. */
export interface PrepareSpec extends ServerSettings {
  databases: DatabaseSpec[];
  users: UserSpec[];
  /** Password for the engine's internal administrative account, used only by the agent. */
  adminPassword: string;
}

/** The health of the engine process as the agent sees it. */
export type ServiceHealth =
  /** restartPending: the server runs with settings a restart would change (computed from the server where the engine can tell). */
  | { state: "HEALTHY"; restartPending?: boolean }
  | { state: "RUNNING"; detail: string } // process up but not answering queries yet
  | { state: "SHUTDOWN" } // not running, on purpose
  | { state: "CRASHED"; detail: string }; // not running although it should be

/** A database as the engine reports it (system databases left out). */
export interface DatabaseInfo {
  name: string;
  characterSet: string;
  collation: string;
}

/** A user account as the engine reports it (system, internal and root accounts left out). */
export interface UserInfo {
  name: string;
  /** The account's host on engines that have one ('%' for any), else "". */
  host: string;
  /** Databases the user has access to (empty on engines without databases). */
  databases: string[];
}

/** What UpdateUser may change; absent fields stay as they are. */
export interface UserChanges {
  newName?: string;
  password?: string;
  newHost?: string;
}

/** The engine's superuser account after root was enabled. */
export interface RootCredentials {
  name: string;
  password: string;
}

/**
 * What an engine offers beyond the lifecycle, so the API can answer FAILED_PRECONDITION naming
 * the engine instead of calling something that cannot work (Redis has no databases or grants).
 */
export interface DatastoreCapabilities {
  databases: boolean;
  /** Accounts are 'user'@'host' (MariaDB). */
  userHosts: boolean;
  /** Per-database access can be granted and revoked. */
  grants: boolean;
}

/**
 * Database, user and root administration. Errors are the classes of ./errors.ts: NotFound for a
 * missing database or user, Conflict for one that exists, Precondition for what the engine lacks.
 * Names and hosts are checked with services/platform/datastore-names.ts before use. `host` is ""
 * on engines without hosts; on MariaDB "" means '%'.
 */
export interface DatastoreAdmin {
  readonly capabilities: DatastoreCapabilities;
  listDatabases(): Promise<DatabaseInfo[]>;
  createDatabase(spec: DatabaseSpec): Promise<void>;
  deleteDatabase(name: string): Promise<void>;
  listUsers(): Promise<UserInfo[]>;
  /** Creates the user with access to spec.databases (each must exist: NotFound otherwise). */
  createUser(spec: UserSpec): Promise<void>;
  deleteUser(name: string, host: string): Promise<void>;
  updateUser(name: string, host: string, changes: UserChanges): Promise<void>;
  /** Gives full access to each database; all must exist, or nothing changes. */
  grantAccess(name: string, host: string, databases: string[]): Promise<void>;
  revokeAccess(name: string, host: string, database: string): Promise<void>;
  /** Creates or resets the superuser account with this password. */
  enableRoot(password: string): Promise<RootCredentials>;
  rootEnabled(): Promise<boolean>;
  /** Removes the superuser's access (the account, or its password); no-op when not enabled. */
  disableRoot(): Promise<void>;
}

/** What Configure did. */
export interface ConfigureResult {
  /** Some changed setting only takes effect after a restart (the server keeps running with the old value). */
  restartRequired: boolean;
}

/** One of an instance's logs. */
export interface GuestLogInfo {
  /** "error" | "general" | "slow" */
  name: string;
  /** SYS logs are always on; USER logs can be enabled and disabled. */
  type: "SYS" | "USER";
  enabled: boolean;
  /** Bytes the log's files hold now. */
  sizeBytes: number;
  description: string;
}

/** A chunk of a log. */
export interface LogChunk {
  text: string;
  /** Pass back to read what was written after this chunk; opaque to the caller. */
  cursor: string;
}

/** Where to read from: the last `lines` lines, or whatever follows `cursor`. At most `maxBytes` either way. */
export interface LogReadOptions {
  cursor?: string;
  lines?: number;
  maxBytes: number;
}

/** Logs of the instance; errors are those of ./errors.ts (NotFound for an unknown log name). */
export interface GuestLogs {
  listLogs(): Promise<GuestLogInfo[]>;
  /** USER logs only (Precondition for a SYS log); applied to the running server without a restart. */
  setLogEnabled(name: string, enabled: boolean, signal: AbortSignal): Promise<GuestLogInfo>;
  readLog(name: string, options: LogReadOptions): Promise<LogChunk>;
  /**
   * Keeps every log within its share of the volume (rotating and deleting old files), so a busy or
   * verbose log never fills it. The agent calls this every few seconds; cheap when nothing is due.
   */
  rotate(): Promise<void>;
}

/** What a restore needs besides the backup: the new instance's settings and its admin password. */
export interface RestoreSpec extends ServerSettings {
  /** Password for the engine's internal administrative account (replaces the source instance's). */
  adminPassword: string;
  /** Replay the source's archived WAL past the backup, up to a target (engines with a WAL archive). */
  recovery?: RecoverySpec;
}

/** Where WAL replay stops: a moment (point-in-time restore), or a WAL position (an incremental backup's end). */
export type RecoveryTarget = { kind: "time"; time: Date } | { kind: "lsn"; lsn: string };

/** The source instance's archived WAL and how far to replay it. */
export interface RecoverySpec {
  /** Names of the files in the source's WAL archive (segments, histories), sorted. */
  walFiles: string[];
  /** Streams one archived file, decrypted and checked. */
  openWal(name: string, signal: AbortSignal): Promise<Readable>;
  target: RecoveryTarget;
}

/** Continuous archiving of the engine's write-ahead log, shipped by the agent (wal-shipper.ts). */
export interface DatastoreWal {
  /** Where the server leaves each finished WAL file for the agent. */
  readonly spoolDir: string;
  /** Creates the spool: from now on the server keeps every finished WAL file there. Idempotent. */
  enableArchiving(): Promise<void>;
  /**
   * Commits a transaction (so replay has a commit after any earlier moment to stop at) and
   * switches to a new WAL file; names the last complete one. Needs a healthy server.
   */
  switchSegment(signal: AbortSignal): Promise<SwitchedSegment>;
}

/** What switchSegment did. */
export interface SwitchedSegment {
  /** The WAL file the switch completed. */
  segment: string;
  /** The switch's end position (the start of the next file). */
  lsn: string;
  /** The position after the commit switchSegment wrote: a replay that reaches it holds everything committed before the switch. */
  stopLsn: string;
}

/** What a backup tool's output is: a tar from pg_basebackup, an xbstream from mariadb-backup, a tar holding a Redis RDB and ACL file. */
export type BackupFormat = "pg-tar" | "xbstream" | "redis-tar";

/** Engine facts of a finished backup, for the backup record (and later for incrementals and point-in-time recovery). */
export interface BackupFacts {
  format: BackupFormat;
  /** The server's version string, e.g. "15.14 (Debian 15.14-0+deb12u1)". */
  engineVersion: string;
  /** PostgreSQL: startLsn, endLsn, timeline; MariaDB: fromLsn, toLsn, lastLsn (and binlog file and position when the binlog is on); Redis: savedAt. */
  details: Record<string, string>;
}

/** A full backup as one byte stream, taken while the server keeps serving queries. */
export interface BackupStream {
  /**
   * The engine tool's output. Ends only after the tool succeeded, and errors (with the same error
   * as `done`) when it failed, so a truncated backup never reads as a complete one. Destroying it
   * before its end cancels the backup.
   */
  data: Readable;
  /** Resolves when the tool exited successfully after `data` ended; rejects with an error of ./errors.ts otherwise. */
  done: Promise<BackupFacts>;
}

/** Opens one stored object of a backup chain as its plain, verified byte stream. */
export type OpenBackupObject = (signal: AbortSignal) => Promise<Readable>;

/** What an incremental backup builds on. */
export interface BackupParent {
  /** The parent backup's BackupFacts.details, as recorded (MariaDB: its toLsn; PostgreSQL: its startLsn or stopSegment). */
  details: Record<string, string>;
  /** The instance's WAL archive just after a switch (engines whose increments are archived WAL). */
  wal?: ArchivedWal;
}

/** The instance's own WAL archive, once the switched file is in it. */
export interface ArchivedWal {
  switched: SwitchedSegment;
  /** Names of the archived files (segments, histories), sorted. */
  files: string[];
  /** Streams one archived file, decrypted and checked. */
  open(name: string, signal: AbortSignal): Promise<Readable>;
}

/** Backups and restores of whole instances, as byte streams (compression, encryption and storage are the caller's). */
export interface DatastoreBackups {
  /** True when `backup` takes a `parent` (an incremental backup) and `restore` takes increments; absent: full backups only. */
  readonly incremental?: boolean;
  /**
   * Starts a full backup, or with `parent` an incremental one (only what changed since the parent);
   * the caller must consume `data` (backpressure reaches the engine tool).
   * Requires a healthy server (DatastorePreconditionError otherwise). Runs beside every other
   * operation: it takes nothing from the manager's queue for the length of the copy.
   */
  backup(signal: AbortSignal, parent?: BackupParent): Promise<BackupStream>;
  /**
   * The engine's own measure of the bytes a full backup started now streams (the databases' sizes
   * as the server reports them), for progress reports; absent or undefined: unknown. Called while
   * the backup runs, beside it.
   */
  estimateFullBytes?(signal: AbortSignal): Promise<number | undefined>;
  /**
   * Builds this (never prepared, empty) instance's data directory from a backup stream, starts the
   * server with `spec`'s settings and admin password (the agent keeps control), and marks the
   * instance prepared. Databases, users and their passwords are the backup's. A stream that errors
   * or holds no valid backup leaves nothing half-restored behind: the data directory is removed
   * and the error rethrown (DatastoreBackupStreamError for the stream's own failure or a backup
   * that does not verify). A prepared instance is refused with DatastorePreconditionError; a
   * restore or prepare an agent crash cut short is started over. `data` is a full backup;
   * `increments` (engines with `incremental` only) are the incremental backups built on it, oldest
   * first, applied in that order.
   */
  restore(data: Readable, spec: RestoreSpec, signal: AbortSignal, increments?: readonly OpenBackupObject[]): Promise<void>;
}

/** Operations of one engine. Lifecycle methods are idempotent: the agent may repeat them after a crash. */
export interface DatastoreManager extends DatastoreAdmin {
  /** True when `prepare` has completed before (the data directory is initialised). */
  isPrepared(): Promise<boolean>;
  /** Initialise the data directory, write configuration, start the server, create databases and users. */
  prepare(spec: PrepareSpec, signal: AbortSignal): Promise<void>;
  /** Start the server if it is not running and wait until it accepts connections. */
  start(signal: AbortSignal): Promise<void>;
  /** Stop the server cleanly (fast shutdown); no-op when already stopped. */
  stop(signal: AbortSignal): Promise<void>;
  restart(signal: AbortSignal): Promise<void>;
  /** Probe the server: is the process alive, does it answer a query. Never throws. */
  probe(): Promise<ServiceHealth>;
  /** Bytes used on the data volume by the engine's files. */
  volumeUsedBytes(): Promise<number>;
  /**
   * Rewrites the engine's configuration for `settings` (flavor-derived values, parameters, access)
   * and applies live whatever the engine can apply live (dynamic parameters, access rules); what
   * needs a restart waits for the next one, and the result says so. Requires a prepared instance;
   * works with the server stopped too (then everything applies at the next start).
   */
  configure(settings: ServerSettings, signal: AbortSignal): Promise<ConfigureResult>;
  /** Current values of the named parameters as the running server reports them (names it does not know are left out). */
  effectiveParameters(names: string[]): Promise<Record<string, string>>;
  readonly logs: GuestLogs;
  readonly backups: DatastoreBackups;
  /** Engines that archive a write-ahead log for point-in-time restores (PostgreSQL). */
  readonly wal?: DatastoreWal;
}

/** Builds a manager for one instance. Registered per engine id ("postgresql", ...). */
export type DatastoreManagerFactory = (layout: InstanceLayout) => DatastoreManager;
