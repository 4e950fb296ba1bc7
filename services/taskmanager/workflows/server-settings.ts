// The settings an instance's server should run with, built from its row the same way for Prepare
// (create) and Configure (resize, configuration group, access): flavor, group values, CIDRs.
import type { ClaimedTask } from "../store/tasks.js";

export interface ServerSettingsMessage {
  ramMb: number;
  vcpus: number;
  parameters: Record<string, string>;
  allowedCidrs: string[];
}

type InstanceRow = ClaimedTask["instance"];

/** `flavor` overrides the row's (a resize applies the new one before recording it). */
export function serverSettingsOf(instance: InstanceRow, flavor: { ramMb: number; vcpus: number } = instance.flavor): ServerSettingsMessage {
  return {
    ramMb: flavor.ramMb,
    vcpus: flavor.vcpus,
    parameters: instance.configuration ? parseJson<Record<string, string>>(instance.configuration.values, {}) : {},
    allowedCidrs: parseJson<string[]>(instance.allowedCidrs, []),
  };
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
