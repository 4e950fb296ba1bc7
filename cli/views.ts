// What the CLI shows of each resource: snake_case JSON objects (Trove's field names where Trove has
// one) and the columns of the list tables. Status enums print without their prefix (ACTIVE, HEALTHY).
import type { DescEnum } from "@bufbuild/protobuf";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Datastore, DatastoreVersion } from "../gen/proto/hoard/v1/datastore_pb.js";
import type { Flavor } from "../gen/proto/hoard/v1/flavor_pb.js";
import {
  InstanceStatusSchema,
  OperatingStatusSchema,
  type Instance,
  type InstanceStatus,
  type OperatingStatus,
} from "../gen/proto/hoard/v1/instance_pb.js";
import type { Scalar } from "./format.js";

/** An enum value's name without its prefix; "" for UNSPECIFIED, the number for a value this CLI predates. */
export function enumLabel(schema: DescEnum, value: number): string {
  if (value === 0) return "";
  return schema.values.find((v) => v.number === value)?.localName ?? String(value);
}

export function statusLabel(status: InstanceStatus): string {
  return enumLabel(InstanceStatusSchema, status);
}

export function operatingStatusLabel(status: OperatingStatus): string {
  return enumLabel(OperatingStatusSchema, status);
}

function time(ts: Timestamp | undefined): string | null {
  return ts === undefined ? null : timestampDate(ts).toISOString();
}

/** `instance show -f json`, and each element of `instance list -f json`. */
export function instanceView(i: Instance): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: i.id,
    name: i.name,
    status: statusLabel(i.status),
    operating_status: operatingStatusLabel(i.operatingStatus),
    task: i.task,
    service_status: i.serviceStatus,
    service_detail: i.serviceDetail,
    datastore: i.datastore,
    datastore_version: i.datastoreVersion,
    flavor: i.flavor,
    flavor_id: i.flavorId,
    volume_size: i.volume?.sizeGb ?? 0,
    volume_kind: i.volume?.kind ?? "",
    // uint64 arrives as a bigint; byte counts stay exact far beyond any volume size.
    volume_used_bytes: Number(i.volume?.usedBytes ?? 0n),
    host: i.host,
    port: i.port,
    project_id: i.projectId,
    created: time(i.createdAt),
    updated: time(i.updatedAt),
  };
  if (i.fault !== undefined && (i.fault.message !== "" || i.fault.details !== "")) {
    view["fault"] = { message: i.fault.message, details: i.fault.details, created: time(i.fault.createdAt) };
  }
  return view;
}

/** Columns of `instance list` (as `openstack database instance list`, plus where to connect). */
export const instanceColumns = [
  "ID",
  "Name",
  "Datastore",
  "Datastore Version",
  "Status",
  "Operating Status",
  "Host",
  "Port",
  "Flavor",
  "Size",
];

export function instanceRow(i: Instance): Scalar[] {
  return [
    i.id,
    i.name,
    i.datastore,
    i.datastoreVersion,
    statusLabel(i.status),
    operatingStatusLabel(i.operatingStatus),
    i.host,
    i.port === 0 ? "" : i.port,
    i.flavor,
    i.volume?.sizeGb ?? "",
  ];
}

export function datastoreView(d: Datastore): Record<string, unknown> {
  return { id: d.id, name: d.name, default_version: d.defaultVersion, versions: d.versions.map(datastoreVersionView) };
}

export const datastoreColumns = ["ID", "Name", "Default Version", "Versions"];

export function datastoreRow(d: Datastore): Scalar[] {
  return [d.id, d.name, d.defaultVersion, d.versions.map((v) => v.name).join(", ")];
}

export function datastoreVersionView(v: DatastoreVersion): Record<string, unknown> {
  return { id: v.id, name: v.name, datastore: v.datastore, manager: v.manager, active: v.active };
}

export const datastoreVersionColumns = ["ID", "Name", "Datastore", "Manager", "Active"];

export function datastoreVersionRow(v: DatastoreVersion): Scalar[] {
  return [v.id, v.name, v.datastore, v.manager, v.active];
}

export function flavorView(f: Flavor): Record<string, unknown> {
  return { id: f.id, name: f.name, vcpus: f.vcpus, ram_mb: f.ramMb };
}

export const flavorColumns = ["ID", "Name", "vCPUs", "RAM (MiB)"];

export function flavorRow(f: Flavor): Scalar[] {
  return [f.id, f.name, f.vcpus, f.ramMb];
}
