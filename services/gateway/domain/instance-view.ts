// Maps a stored instance to its public protobuf shape. The status comes from deriveStatus only.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { FaultSchema, InstanceSchema, VolumeSchema, type Instance } from "../../../gen/proto/hoard/v1/instance_pb.js";
import type { InstanceRow } from "../store/instances.js";
import { deriveStatus } from "./instance-status.js";

export function toInstanceView(row: InstanceRow): Instance {
  const { status, operating } = deriveStatus({ task: row.taskStatus, service: row.serviceStatus });
  return create(InstanceSchema, {
    id: row.id,
    name: row.name,
    projectId: row.projectId,
    status,
    operatingStatus: operating,
    datastore: row.datastoreVersion.datastore.name,
    datastoreVersion: row.datastoreVersion.name,
    flavor: row.flavor.name,
    flavorId: row.flavor.id,
    volume: create(VolumeSchema, volumeUsage(row)),
    host: row.host ?? "",
    port: row.port ?? 0,
    createdAt: timestampFromDate(row.createdAt),
    updatedAt: timestampFromDate(row.updatedAt),
    fault: row.faultMessage
      ? create(FaultSchema, {
          message: row.faultMessage,
          details: row.faultDetails ?? "",
          createdAt: row.faultAt ? timestampFromDate(row.faultAt) : undefined,
        })
      : undefined,
    task: row.taskStatus,
    serviceStatus: row.serviceStatus,
    serviceDetail: row.serviceDetail ?? "",
    deletionProtection: row.deletionProtection,
    allowedCidrs: parseCidrs(row.allowedCidrs),
    configurationId: row.configuration?.id ?? "",
    configurationName: row.configuration?.name ?? "",
  });
}

/** Used space in bytes, GB and percent of the filesystem (of the nominal size until the agent has measured it). */
export function volumeUsage(row: Pick<InstanceRow, "volumeSizeGb" | "volumeKind" | "volumeUsedBytes" | "volumeTotalBytes">) {
  const used = row.volumeUsedBytes ?? 0n;
  const total = row.volumeTotalBytes ?? 0n;
  const capacity = total > 0n ? Number(total) : row.volumeSizeGb * 1024 ** 3;
  return {
    sizeGb: row.volumeSizeGb,
    kind: row.volumeKind ?? "",
    usedBytes: used,
    totalBytes: total,
    usedGb: Math.round(Number(used) / 1e7) / 100,
    usedPercent: capacity > 0 ? Math.round((Number(used) * 1000) / capacity) / 10 : 0,
  };
}

/** The stored JSON array; anything else (never written by Hoard) reads as no restriction. */
export function parseCidrs(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  } catch {
    return [];
  }
}
