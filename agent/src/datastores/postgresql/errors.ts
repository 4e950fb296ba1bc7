// Failures of the PostgreSQL manager, one class per kind so the agent's RPC layer can map each to
// a Connect code without reading messages. Messages name what failed and never carry a password.

/** The spec or layout asks for something this engine cannot do; repeating the call will not help (INVALID_ARGUMENT). */
export class DatastoreSpecError extends Error {
  override readonly name = "DatastoreSpecError";
}

/** The host or instance is not in a state the operation needs, e.g. not prepared yet (FAILED_PRECONDITION). */
export class DatastorePreconditionError extends Error {
  override readonly name = "DatastorePreconditionError";
}

/** A PostgreSQL binary or statement failed; usually worth a retry after a look at `detail` (INTERNAL). */
export class DatastoreEngineError extends Error {
  override readonly name = "DatastoreEngineError";
  /** Tail of the command output or server log, for the agent's log; not meant for end users. */
  readonly detail: string;

  constructor(message: string, detail = "", options?: ErrorOptions) {
    super(message, options);
    this.detail = detail;
  }
}
