// The compute spec of a stored instance, built one way for the create workflow and re-adoption:
// a known address is passed back so ensure() keeps it.
import type { InstanceSpec } from "./provider.js";

export interface InstanceRowLike {
  id: string;
  volumeSizeGb: number;
  host: string | null;
  port: number | null;
  datastoreVersion: { manager: string; binDir: string };
}

export function instanceSpecOf(instance: InstanceRowLike): InstanceSpec {
  return {
    instanceId: instance.id,
    volumeSizeGb: instance.volumeSizeGb,
    engine: instance.datastoreVersion.manager,
    binDir: instance.datastoreVersion.binDir,
    ...(instance.host && instance.port ? { host: instance.host, port: instance.port } : {}),
  };
}
