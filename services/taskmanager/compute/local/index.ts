// The `local` compute provider: instances as directories on this host, each with its own volume
// (a loop-mounted ext4 file as root), its own address and a detached guest agent that owns the
// database server. See the "Compute providers" section of DESIGN.md.

export { createLocalProvider } from "./local-provider.js";
export type { LocalProviderOptions } from "./options.js";
export type { InstanceConfig } from "./instance-config.js";
export type { RunAs } from "./run-as.js";
export { INSTANCE_CONFIG_ENV } from "./agent-process.js";
export { standardPort } from "./engine-ports.js";
export {
  AddressExhaustedError,
  DestroyIncompleteError,
  InvalidInstanceSpecError,
  OnlineGrowUnavailableError,
  UnknownEngineError,
  VolumeNotMountedError,
  VolumeShrinkError,
} from "./errors.js";
export { CommandError } from "./run-command.js";
