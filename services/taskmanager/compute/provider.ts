// The compute boundary of the taskmanager: where an instance's disk, address and guest agent
// come from. `local` runs them on this host; a `kubernetes` provider can come later.

export interface InstanceSpec {
  instanceId: string;
  /** Requested volume size in GiB. */
  volumeSizeGb: number;
  /** Engine id, e.g. "postgresql"; decides the standard port. */
  engine: string;
  /** Directory with the engine binaries of the datastore version. */
  binDir: string;
  /** Address previously allocated to this instance (the provider allocates when absent). */
  host?: string;
  port?: number;
}

export interface ComputeRef {
  instanceId: string;
  host: string;
  port: number;
  /** "loop": a loop-mounted ext4 file with a hard size limit; "directory": a plain directory. */
  volumeKind: "loop" | "directory";
  /** Instance root directory. */
  root: string;
}

/** What a resize changes. Only the volume, and only upwards: volumes never shrink. */
export interface ResizeSpec {
  /** New volume size in GiB; must not be smaller than the current one. */
  volumeSizeGb: number;
  /**
   * The database server is stopped, so the volume may be unmounted to grow it. Needed where the
   * host cannot grow a mounted file system (growsOnline() is false).
   */
  offline?: boolean;
}

export type ComputeStatus = "RUNNING" | "STOPPED" | "MISSING";

export interface ComputeState extends ComputeRef {
  status: ComputeStatus;
  /** Pid of the supervised agent process, when running. */
  agentPid?: number;
}

export interface ComputeProvider {
  /** Idempotent by instance id: creates what is missing, starts the agent when it is not running. */
  ensure(spec: InstanceSpec, signal: AbortSignal): Promise<ComputeRef>;
  describe(instanceId: string): Promise<ComputeState | undefined>;
  /**
   * Grows the instance's volume to `change.volumeSizeGb` while its database server keeps running,
   * and answers the size it now has. Idempotent: repeating it (also after a crash half-way)
   * finishes the job or changes nothing. A smaller size throws an INVALID_ARGUMENT error and
   * changes nothing.
   */
  resize(instanceId: string, change: ResizeSpec, signal: AbortSignal): Promise<{ volumeSizeGb: number }>;
  /** Whether resize can grow this instance's volume while it is in use; false means stop the server and pass `offline`. */
  growsOnline(instanceId: string): Promise<boolean>;
  /** Idempotent: stops the agent and its engine, unmounts and removes everything of the instance. */
  destroy(instanceId: string, signal: AbortSignal): Promise<void>;
  /** Lists instance ids the provider holds, so the taskmanager can re-adopt or collect orphans. */
  list(): Promise<string[]>;
}
