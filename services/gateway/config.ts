// Gateway settings, parsed once from the environment.
import { parseInteger } from "../platform/config.js";

export interface GatewayConfig {
  /** Largest volume a create may ask for, in GiB. */
  maxVolumeGb: number;
}

export function loadGatewayConfig(env = process.env): Readonly<GatewayConfig> {
  return Object.freeze({
    maxVolumeGb: parseInteger("HOARD_MAX_VOLUME_GB", env.HOARD_MAX_VOLUME_GB ?? "100", 1),
  });
}
