// Domain failures of the local compute provider, one class each, so the taskmanager can tell a
// bad request (non-retryable) from a host that is out of addresses or a command that failed.
// Those a user can cause through a request extend the platform's errors, so they keep their code.

import { FailedPreconditionError, InvalidArgumentError } from "../../../platform/errors.js";

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

/** A resize asked for a smaller volume. Volumes only grow; nothing was changed. INVALID_ARGUMENT. */
export class VolumeShrinkError extends InvalidArgumentError {
  constructor(
    readonly currentGb: number,
    readonly requestedGb: number,
  ) {
    super("volumeSizeGb", `volumes only grow: ${requestedGb} GiB is smaller than the current ${currentGb} GiB`);
  }
}

/**
 * This host cannot grow a mounted ext4 file system: the kernel only allows it with
 * CAP_SYS_RESOURCE (a container may drop it). Nothing was changed. FAILED_PRECONDITION.
 */
export class OnlineGrowUnavailableError extends FailedPreconditionError {}

/** The volume is not mounted (after a host reboot, before the instance is ensured again): ensure first. */
export class VolumeNotMountedError extends FailedPreconditionError {}
