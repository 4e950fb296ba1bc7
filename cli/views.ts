// What the CLI shows of each resource: snake_case JSON objects (Trove's field names where Trove has
// one) and the columns of the list tables. Status enums print without their prefix (ACTIVE, HEALTHY).
import type { DescEnum, JsonObject } from "@bufbuild/protobuf";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { BackupState, BackupStateSchema, type Backup, type BackupSchedule } from "../gen/proto/hoard/v1/backup_pb.js";
import type {
  Configuration,
  ConfigurationInstance,
  ConfigurationParameter,
} from "../gen/proto/hoard/v1/configuration_pb.js";
import type { Database } from "../gen/proto/hoard/v1/database_pb.js";
import type { Datastore, DatastoreVersion } from "../gen/proto/hoard/v1/datastore_pb.js";
import type { Flavor } from "../gen/proto/hoard/v1/flavor_pb.js";
import type { IdentityUser } from "../gen/proto/hoard/v1/identity_pb.js";
import {
  InstanceStatusSchema,
  OperatingStatusSchema,
  type EffectiveParameter,
  type Instance,
  type InstanceEvent,
  type InstanceLog,
  type InstanceStatus,
  type OperatingStatus,
} from "../gen/proto/hoard/v1/instance_pb.js";
import type { Project, Token } from "../gen/proto/hoard/v1/manage_pb.js";
import type { User } from "../gen/proto/hoard/v1/user_pb.js";
import { humanBytes, type Scalar } from "./format.js";

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

export function backupStateLabel(state: BackupState): string {
  return enumLabel(BackupStateSchema, state);
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
    configuration: i.configurationName,
    configuration_id: i.configurationId,
    volume_size: i.volume?.sizeGb ?? 0,
    volume_kind: i.volume?.kind ?? "",
    // uint64 arrives as a bigint; byte counts stay exact far beyond any volume size.
    volume_used_bytes: Number(i.volume?.usedBytes ?? 0n),
    volume_total_bytes: Number(i.volume?.totalBytes ?? 0n),
    volume_used_gb: i.volume?.usedGb ?? 0,
    volume_used_percent: i.volume?.usedPercent ?? 0,
    host: i.host,
    port: i.port,
    allowed_cidrs: [...i.allowedCidrs],
    deletion_protection: i.deletionProtection,
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

/** `instance events -f json`: one element per event, newest first as the API returns them. */
export function instanceEventView(e: InstanceEvent): Record<string, unknown> {
  return { created: time(e.createdAt), kind: e.kind, message: e.message, request_id: e.requestId };
}

/** Columns of `instance events` (the request id ties an event to a gateway log line). */
export const instanceEventColumns = ["Created", "Kind", "Message", "Request ID"];

export function instanceEventRow(e: InstanceEvent): Scalar[] {
  return [time(e.createdAt), e.kind, e.message, e.requestId];
}

/** `instance configuration -f json`: the attached group and every parameter's live value. */
export function effectiveConfigurationView(configurationId: string, parameters: readonly EffectiveParameter[]): Record<string, unknown> {
  return { configuration_id: configurationId, parameters: parameters.map(effectiveParameterView) };
}

export function effectiveParameterView(p: EffectiveParameter): Record<string, unknown> {
  return { name: p.name, value: p.value, configured: p.configured, restart_required: p.restartRequired };
}

export const effectiveParameterColumns = ["Name", "Value", "Configured", "Restart Required"];

export function effectiveParameterRow(p: EffectiveParameter): Scalar[] {
  return [p.name, p.value, p.configured, p.restartRequired];
}

/** `instance log list -f json`, and what `log enable|disable` print. */
export function instanceLogView(l: InstanceLog): Record<string, unknown> {
  return { name: l.name, type: l.type, enabled: l.enabled, size_bytes: Number(l.sizeBytes), description: l.description };
}

export const instanceLogColumns = ["Name", "Type", "Enabled", "Size (bytes)", "Description"];

export function instanceLogRow(l: InstanceLog): Scalar[] {
  return [l.name, l.type, l.enabled, Number(l.sizeBytes), l.description];
}

/** `backup show -f json`, and each element of `backup list -f json`: byte counts exact, as numbers. */
export function backupView(b: Backup): Record<string, unknown> {
  return {
    id: b.id,
    name: b.name,
    description: b.description,
    status: backupStateLabel(b.state),
    instance_id: b.instanceId,
    datastore: b.datastore,
    datastore_version: b.datastoreVersion,
    kind: b.kind,
    parent_id: b.parentId || null,
    size_bytes: Number(b.sizeBytes),
    stored_bytes: Number(b.storedBytes),
    progress_bytes: Number(b.progressBytes),
    estimated_bytes: b.estimatedBytes === undefined ? null : Number(b.estimatedBytes),
    progress_percent: b.progressPercent ?? null,
    storage: b.storage,
    volume_size: b.volumeSizeGb,
    fault: b.fault,
    scheduled: b.scheduled,
    created: time(b.createdAt),
    completed: time(b.completedAt),
  };
}

/** `backup schedule show|set`: a rule that is not set is null. */
export function backupScheduleView(s: BackupSchedule): Record<string, unknown> {
  return {
    instance_id: s.instanceId,
    cron: s.cron,
    keep_last: s.keepLast || null,
    keep_days: s.keepDays || null,
    full_every: s.fullEvery || null,
    next_run: time(s.nextRunAt),
    last_run: time(s.lastRunAt),
    last_backup_id: s.lastBackupId,
    last_error: s.lastError,
    updated: time(s.updatedAt),
  };
}

/** A backup as a Field/Value table: the same fields, with sizes people read ("12.3 MiB") and progress in one line. */
export function backupFields(b: Backup): Record<string, unknown> {
  const readable: Record<string, [string, string] | null> = {
    size_bytes: ["size", backupSize(b, b.sizeBytes)],
    stored_bytes: ["stored_size", backupSize(b, b.storedBytes)],
    progress_bytes: ["progress", backupProgressText(b)],
    estimated_bytes: null,
    progress_percent: null,
  };
  return Object.fromEntries(
    Object.entries(backupView(b)).flatMap(([key, value]) => {
      const shown = readable[key];
      if (shown === null) return [];
      return [shown ?? [key, value]];
    }),
  );
}

/**
 * How far a backup has got, for people: "42% (110.5 MiB of about 262.0 MiB)", "110.5 MiB so far"
 * when the engine gave no estimate, "100% (262.4 MiB)" once COMPLETED, "" when nothing is known.
 */
export function backupProgressText(b: Backup): string {
  const done = humanBytes(b.progressBytes);
  if (b.state === BackupState.COMPLETED) return `100% (${humanBytes(b.sizeBytes)})`;
  if (b.state !== BackupState.BUILDING) return "";
  if (b.progressPercent !== undefined && b.estimatedBytes !== undefined) return `${b.progressPercent}% (${done} of about ${humanBytes(b.estimatedBytes)})`;
  return b.progressBytes > 0n ? `${done} so far` : "";
}

/** Columns of `backup list` (as `openstack database backup list`, with sizes and where it came from). */
export const backupColumns = ["ID", "Name", "Instance ID", "Datastore", "Datastore Version", "Status", "Kind", "Parent ID", "Size", "Stored", "Created"];

export function backupRow(b: Backup): Scalar[] {
  return [
    b.id,
    b.name,
    b.instanceId,
    b.datastore,
    b.datastoreVersion,
    backupStateLabel(b.state),
    b.kind,
    b.parentId,
    backupSize(b, b.sizeBytes),
    backupSize(b, b.storedBytes),
    time(b.createdAt),
  ];
}

/** A size is known once the backup is taken; before that an empty cell reads better than "0 B". */
function backupSize(b: Backup, bytes: bigint): string {
  return bytes === 0n && b.state !== BackupState.COMPLETED ? "" : humanBytes(bytes);
}

/** A configuration group as JSON: its values keep their JSON types. */
export function configurationView(c: Configuration): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    datastore: c.datastore,
    datastore_version: c.datastoreVersion,
    values: c.values ?? {},
    instance_count: c.instanceCount,
    created: time(c.createdAt),
    updated: time(c.updatedAt),
  };
}

/** A configuration group as a Field/Value table: one `key = value` line per value, sorted. */
export function configurationFields(c: Configuration): Record<string, unknown> {
  return { ...configurationView(c), values: valueLines(c.values ?? {}) };
}

function valueLines(values: JsonObject): string {
  return Object.keys(values)
    .sort()
    .map((key) => {
      const value = values[key];
      return `${key} = ${typeof value === "string" ? value : JSON.stringify(value)}`;
    })
    .join("\n");
}

export const configurationColumns = ["ID", "Name", "Description", "Datastore", "Datastore Version", "Instances"];

export function configurationRow(c: Configuration): Scalar[] {
  return [c.id, c.name, c.description, c.datastore, c.datastoreVersion, c.instanceCount];
}

export function configurationInstanceView(i: ConfigurationInstance): Record<string, unknown> {
  return { id: i.id, name: i.name };
}

export const configurationInstanceColumns = ["ID", "Name"];

export function configurationInstanceRow(i: ConfigurationInstance): Scalar[] {
  return [i.id, i.name];
}

/** What a group of a datastore version may set (Trove's configuration-parameters). */
export function parameterView(p: ConfigurationParameter): Record<string, unknown> {
  return {
    name: p.name,
    type: p.type,
    min: p.min ?? null,
    max: p.max ?? null,
    allowed_values: [...p.allowedValues],
    unit: p.unit,
    restart_required: p.restartRequired,
    description: p.description,
  };
}

export const parameterColumns = ["Name", "Type", "Min", "Max", "Allowed Values", "Unit", "Restart Required"];

export function parameterRow(p: ConfigurationParameter): Scalar[] {
  return [p.name, p.type, p.min ?? null, p.max ?? null, p.allowedValues.join(", "), p.unit, p.restartRequired];
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

export function databaseView(d: Database): Record<string, unknown> {
  return { name: d.name, character_set: d.characterSet, collation: d.collation };
}

/** Columns of `database list` (Trove shows the name only; the engine's settings help more). */
export const databaseColumns = ["Name", "Character Set", "Collation"];

export function databaseRow(d: Database): Scalar[] {
  return [d.name, d.characterSet, d.collation];
}

/** A user as the API returns it: never a password. */
export function userView(u: User): Record<string, unknown> {
  return { name: u.name, host: u.host, databases: [...u.databases] };
}

export const userColumns = ["Name", "Host", "Databases"];

export function userRow(u: User): Scalar[] {
  return [u.name, u.host, u.databases.join(", ")];
}

/** `user access`: the databases an account can use, as Trove's `{"databases":[{"name"}]}`. */
export function accessView(database: string): Record<string, unknown> {
  return { name: database };
}

export const accessColumns = ["Name"];

export function accessRow(database: string): Scalar[] {
  return [database];
}

/** `hoard-manage datastore ...`: a datastore with every version, inactive ones included. */
export function managedDatastoreView(d: Datastore): Record<string, unknown> {
  return {
    id: d.id,
    name: d.name,
    active: d.active,
    default_version: d.defaultVersion,
    versions: d.versions.map((v) => ({ ...managedVersionView(v), default: v.name === d.defaultVersion })),
  };
}

/** A datastore as one Field/Value table: its versions by name, inactive ones marked. */
export function managedDatastoreFields(d: Datastore): Record<string, unknown> {
  const versions = d.versions.map((v) => (v.active ? v.name : `${v.name} (inactive)`));
  return { id: d.id, name: d.name, active: d.active, default_version: d.defaultVersion, versions };
}

/** Columns of `hoard-manage datastore list`: one row per version (a datastore without any gets one). */
export const managedDatastoreColumns = ["Datastore", "Version", "Manager", "Bin Dir", "Active", "Default"];

export function managedDatastoreRows(d: Datastore): Scalar[][] {
  const datastore = d.active ? d.name : `${d.name} (inactive)`;
  if (d.versions.length === 0) return [[datastore, "", "", "", null, null]];
  return d.versions.map((v) => [datastore, v.name, v.manager, v.binDir, v.active, v.name === d.defaultVersion]);
}

export function managedVersionView(v: DatastoreVersion): Record<string, unknown> {
  return { id: v.id, name: v.name, datastore: v.datastore, manager: v.manager, bin_dir: v.binDir, active: v.active };
}

export function projectView(p: Project): Record<string, unknown> {
  return { id: p.id, name: p.name, created: time(p.createdAt) };
}

export const projectColumns = ["ID", "Name", "Created"];

export function projectRow(p: Project): Scalar[] {
  return [p.id, p.name, time(p.createdAt)];
}

/** A token's description; its secret is not part of it (the API returns that once, beside it). */
export function tokenView(t: Token): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    project: t.project,
    project_id: t.projectId,
    roles: [...t.roles],
    created: time(t.createdAt),
    expires: time(t.expiresAt),
    revoked: time(t.revokedAt),
  };
}

export const tokenColumns = ["ID", "Name", "Project", "Roles", "Created", "Expires", "Revoked"];

export function tokenRow(t: Token): Scalar[] {
  return [t.id, t.name, t.project, t.roles.join(", "), time(t.createdAt), time(t.expiresAt), time(t.revokedAt)];
}

/** A login user with its memberships; never a password (the API has none to give). */
export function identityUserView(u: IdentityUser): Record<string, unknown> {
  return {
    id: u.id,
    name: u.name,
    created: time(u.createdAt),
    projects: u.memberships.map((m) => ({ project: m.project, project_id: m.projectId, roles: [...m.roles] })),
  };
}

/** The memberships in one cell: "acme: member; ops: admin, reader". */
function membershipsText(u: IdentityUser): string {
  return u.memberships.map((m) => `${m.project}: ${m.roles.join(", ")}`).join("; ");
}

export function identityUserFields(u: IdentityUser): Record<string, unknown> {
  return { id: u.id, name: u.name, created: time(u.createdAt), projects: membershipsText(u) };
}

export const identityUserColumns = ["ID", "Name", "Projects", "Created"];

export function identityUserRow(u: IdentityUser): Scalar[] {
  return [u.id, u.name, membershipsText(u), time(u.createdAt)];
}
