// Domain failures of the local compute provider, one class each, so the taskmanager can tell a
// bad request (non-retryable) from a host that is out of addresses or a command that failed.

/** The instance id or spec cannot be used (unsafe path segment, bad size, half an address). */
export class InvalidInstanceSpecError extends Error {
  override readonly name = "InvalidInstanceSpecError";
}

/** Every candidate address or port is taken; retrying will not help until an instance is destroyed. */
export class AddressExhaustedError extends Error {
  override readonly name = "AddressExhaustedError";
}

/** The engine id has no standard port, so no loopback address can be allocated for it. */
export class UnknownEngineError extends Error {
  override readonly name = "UnknownEngineError";
}

/** Something of the instance survived destroy (a mount, a loop device, a process). Retryable. */
export class DestroyIncompleteError extends Error {
  override readonly name = "DestroyIncompleteError";
}
