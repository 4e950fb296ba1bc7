// Trove's fault bodies, {"itemNotFound": {"code": 404, "message": "..."}}: ONE table from Connect
// codes (what every Hoard RPC fails with) to Trove's fault names and HTTP statuses, so a refused
// RPC reads the way python-troveclient expects, and TroveFault for what the adapter itself refuses
// (a malformed body, an unknown route) before any RPC runs.
import { Code, ConnectError } from "@connectrpc/connect";

/** A Trove fault: its name (the body's only key) and HTTP status. */
export interface FaultKind {
  readonly name: string;
  readonly status: number;
}

const badRequest: FaultKind = { name: "badRequest", status: 400 };
const conflict: FaultKind = { name: "conflictingRequest", status: 409 };
const instanceFault: FaultKind = { name: "instanceFault", status: 500 };

const byCode: ReadonlyMap<Code, FaultKind> = new Map([
  [Code.InvalidArgument, badRequest],
  [Code.OutOfRange, badRequest],
  [Code.Unauthenticated, { name: "unauthorized", status: 401 }],
  [Code.PermissionDenied, { name: "forbidden", status: 403 }],
  [Code.NotFound, { name: "itemNotFound", status: 404 }],
  [Code.AlreadyExists, conflict],
  [Code.Aborted, conflict],
  // Trove answers an action the instance's state does not allow with 422 ("not ready").
  [Code.FailedPrecondition, { name: "unprocessableEntity", status: 422 }],
  [Code.ResourceExhausted, { name: "overLimit", status: 413 }],
  [Code.Unimplemented, { name: "notImplemented", status: 501 }],
  [Code.Unavailable, { name: "serviceUnavailable", status: 503 }],
  [Code.DeadlineExceeded, { name: "serviceUnavailable", status: 503 }],
  [Code.Canceled, badRequest],
  [Code.Internal, instanceFault],
  [Code.Unknown, instanceFault],
  [Code.DataLoss, instanceFault],
]);

/** The Trove fault for a Connect code. */
export function faultForCode(code: Code): FaultKind {
  return byCode.get(code) ?? instanceFault;
}

/** A refusal by the adapter itself, before (or instead of) an RPC. */
export class TroveFault extends Error {
  constructor(
    readonly kind: FaultKind,
    message: string,
  ) {
    super(message);
    this.name = "TroveFault";
  }
}

/** The request body or URL is wrong: 400 badRequest. */
export function badRequestFault(message: string): TroveFault {
  return new TroveFault(badRequest, message);
}

/** No such route: 404 itemNotFound. */
export function notFoundFault(message: string): TroveFault {
  return new TroveFault({ name: "itemNotFound", status: 404 }, message);
}

/** The path exists but not with this HTTP method: 405 badMethod. */
export function badMethodFault(message: string): TroveFault {
  return new TroveFault({ name: "badMethod", status: 405 }, message);
}

/** Something Hoard does not do (replication, datastore upgrades, public networks): 501. */
export function notImplementedFault(message: string): TroveFault {
  return new TroveFault(byCode.get(Code.Unimplemented) ?? instanceFault, message);
}

/** What a fault answers: status, body and the headers that go with it. */
export interface FaultAnswer {
  status: number;
  body: Record<string, { code: number; message: string }>;
  /** Retry-After of a rate-limited call (troveclient keeps it on its OverLimit error), when there is one. */
  headers?: Record<string, string>;
}

/** Status, body and headers for anything thrown while serving a Trove request; undefined for a bug. */
export function faultOf(err: unknown): FaultAnswer | undefined {
  let kind: FaultKind;
  let message: string;
  let retryAfter: string | null = null;
  if (err instanceof TroveFault) {
    kind = err.kind;
    message = err.message;
  } else if (err instanceof ConnectError) {
    kind = faultForCode(err.code);
    message = err.rawMessage;
    retryAfter = err.metadata.get("retry-after");
  } else {
    return undefined;
  }
  const answer: FaultAnswer = { status: kind.status, body: { [kind.name]: { code: kind.status, message } } };
  if (retryAfter !== null) answer.headers = { "retry-after": retryAfter };
  return answer;
}
