// The contract every datastore engine implements inside the guest agent. The agent's RPC
// handlers only ever talk to this interface; engine specifics stay in datastores/<engine>/.

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

/** What the control plane asks for when it first prepares an instance. */
export interface PrepareSpec {
  /** Flavor memory in MiB, from which memory settings are derived. */
  ramMb: number;
  vcpus: number;
  databases: DatabaseSpec[];
  users: UserSpec[];
  /** Password for the engine's internal administrative account, used only by the agent. */
  adminPassword: string;
}

/** The health of the engine process as the agent sees it. */
export type ServiceHealth =
  | { state: "HEALTHY" }
  | { state: "RUNNING"; detail: string } // process up but not answering queries yet
  | { state: "SHUTDOWN" } // not running, on purpose
  | { state: "CRASHED"; detail: string }; // not running although it should be

/** Operations of one engine. Every method is idempotent: the agent may repeat it after a crash. */
export interface DatastoreManager {
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
}

/** Builds a manager for one instance. Registered per engine id ("postgresql", ...). */
export type DatastoreManagerFactory = (layout: InstanceLayout) => DatastoreManager;
