// Connect codes as REST shows them: the snake_case name in the JSON error body and the HTTP status
// (Connect's mapping, which for FAILED_PRECONDITION is also Google's: 400).
import { Code } from "@connectrpc/connect";

const table: ReadonlyArray<readonly [Code, string, number]> = [
  [Code.Canceled, "canceled", 499],
  [Code.Unknown, "unknown", 500],
  [Code.InvalidArgument, "invalid_argument", 400],
  [Code.DeadlineExceeded, "deadline_exceeded", 504],
  [Code.NotFound, "not_found", 404],
  [Code.AlreadyExists, "already_exists", 409],
  [Code.PermissionDenied, "permission_denied", 403],
  [Code.ResourceExhausted, "resource_exhausted", 429],
  [Code.FailedPrecondition, "failed_precondition", 400],
  [Code.Aborted, "aborted", 409],
  [Code.OutOfRange, "out_of_range", 400],
  [Code.Unimplemented, "unimplemented", 501],
  [Code.Internal, "internal", 500],
  [Code.Unavailable, "unavailable", 503],
  [Code.DataLoss, "data_loss", 500],
  [Code.Unauthenticated, "unauthenticated", 401],
];

const byName = new Map(table.map(([code, name, status]) => [name, { code, status }]));
const byCode = new Map(table.map(([code, name, status]) => [code, { name, status }]));

/** HTTP status for a Connect code name ("not_found" -> 404); unknown names are 500. */
export function httpStatusForCodeName(name: string): number {
  return byName.get(name)?.status ?? 500;
}

/** The snake_case name of a code (Code.NotFound -> "not_found"). */
export function codeName(code: Code): string {
  return byCode.get(code)?.name ?? "unknown";
}

/** The snake_case name of a code, if the string is one. */
export function isCodeName(name: string): boolean {
  return byName.has(name);
}
