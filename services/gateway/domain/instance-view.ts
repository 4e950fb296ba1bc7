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
    volume: create(VolumeSchema, {
      sizeGb: row.volumeSizeGb,
      kind: row.volumeKind ?? "",
      usedBytes: row.volumeUsedBytes ?? 0n,
    }),
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
  });
}
