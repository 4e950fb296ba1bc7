// Typed domain errors. Code throws these; one interceptor (gateway) and the NATS RPC layer map
// them to a Connect code, so the same failure reads the same on every surface.
import { Code, ConnectError } from "@connectrpc/connect";

/** An error detail (a protobuf message, e.g. google.rpc.RetryInfo) as ConnectError takes it. */
export type ErrorDetail = ConstructorParameters<typeof ConnectError>[3] extends (infer D)[] | undefined ? D : never;

/** Base of every error the user may see; the message is safe to show. */
export class HoardError extends Error {
  constructor(
    readonly code: Code,
    message: string,
    /** Typed details for clients (gRPC status details; REST shows them in the body). */
    readonly details: ErrorDetail[] = [],
    /** Response headers that go with the error (e.g. Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A resource does not exist, or belongs to another project (which must look the same). */
export class NotFoundError extends HoardError {
  constructor(kind: string, id: string) {
    super(Code.NotFound, `${kind} "${id}" not found`);
  }
}

/** The request names a field with a bad value; the message names the field. */
export class InvalidArgumentError extends HoardError {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(Code.InvalidArgument, `${field}: ${problem}`);
  }
}

export class AlreadyExistsError extends HoardError {
  constructor(kind: string, id: string) {
    super(Code.AlreadyExists, `${kind} "${id}" already exists`);
  }
}

/** The request is valid but the resource's state does not allow it now. */
export class FailedPreconditionError extends HoardError {
  constructor(message: string) {
    super(Code.FailedPrecondition, message);
  }
}

/** A dependency (a guest agent, the taskmanager) cannot be reached; retrying may help. */
export class UnavailableError extends HoardError {
  constructor(message: string) {
    super(Code.Unavailable, message);
  }
}

/** A project quota would be exceeded; the message names the resource, its limit, usage and the request. */
export class QuotaExceededError extends HoardError {
  constructor(
    readonly resource: string,
    readonly limit: number,
    why: string,
  ) {
    super(Code.ResourceExhausted, `quota exceeded for ${resource}: ${why}`);
  }
}

export class UnauthenticatedError extends HoardError {
  constructor(message = "missing or invalid bearer token") {
    super(Code.Unauthenticated, message);
  }
}

export class PermissionDeniedError extends HoardError {
  constructor(message: string) {
    super(Code.PermissionDenied, message);
  }
}

export class DeadlineExceededError extends HoardError {
  constructor(message: string) {
    super(Code.DeadlineExceeded, message);
  }
}

/**
 * Turns anything thrown into a ConnectError fit for a client: domain errors keep their code and
 * message; anything else becomes INTERNAL naming only the request id (the cause goes to the log).
 */
export function toConnectError(err: unknown, requestId: string): ConnectError {
  if (err instanceof HoardError) return new ConnectError(err.message, err.code, err.headers, err.details);
  if (err instanceof ConnectError) return err;
  return new ConnectError(`internal error (request ${requestId})`, Code.Internal);
}

/** True for errors whose cause should be logged as a server fault rather than a client mistake. */
export function isServerFault(err: unknown): boolean {
  if (err instanceof HoardError) return err.code === Code.Internal || err.code === Code.Unavailable;
  if (err instanceof ConnectError) return err.code === Code.Internal || err.code === Code.Unknown;
  return true;
}
