// Failures every datastore manager reports, one class per kind so the agent's RPC layer maps each
// to a Connect code without reading messages. Messages name what failed and never carry a password.

/** The request asks for something this engine cannot do; repeating it will not help (INVALID_ARGUMENT). */
export class DatastoreSpecError extends Error {
  override readonly name = "DatastoreSpecError";
}

/** The instance or engine is not in a state the operation needs, or the engine lacks the feature (FAILED_PRECONDITION). */
export class DatastorePreconditionError extends Error {
  override readonly name = "DatastorePreconditionError";
}

/** A database or user named in the request does not exist (NOT_FOUND). */
export class DatastoreNotFoundError extends Error {
  override readonly name = "DatastoreNotFoundError";
}

/** A database or user to create exists already (ALREADY_EXISTS). */
export class DatastoreConflictError extends Error {
  override readonly name = "DatastoreConflictError";
}

/** An engine binary or statement failed; usually worth a retry after a look at `detail` (INTERNAL). */
export class DatastoreEngineError extends Error {
  override readonly name = "DatastoreEngineError";
  /** Tail of the command output or server log, for the agent's log; not meant for end users. */
  readonly detail: string;

  constructor(message: string, detail = "", options?: ErrorOptions) {
    super(message, options);
    this.detail = detail;
  }
}

/**
 * The backup stream a restore reads failed, ended early, or does not hold a backup this engine can
 * restore (DATA_LOSS, mapped in agent/src/errors.ts; `cause` holds the stream's own error when it failed). Repeating
 * the restore from the same source helps only when the failure was the source's, not the data's.
 */
export class DatastoreBackupStreamError extends Error {
  override readonly name = "DatastoreBackupStreamError";
  /** What the extracting or verifying tool said, for the agent's log. */
  readonly detail: string;

  constructor(message: string, detail = "", options?: ErrorOptions) {
    super(message, options);
    this.detail = detail;
  }
}
