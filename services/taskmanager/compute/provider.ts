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
  /** Idempotent: stops the agent and its engine, unmounts and removes everything of the instance. */
  destroy(instanceId: string, signal: AbortSignal): Promise<void>;
  /** Lists instance ids the provider holds, so the taskmanager can re-adopt or collect orphans. */
  list(): Promise<string[]>;
}
