// What a CREATE task carries from the gateway to the taskmanager. It holds passwords, so it is
// stored sealed (secrets.ts) and erased when the task ends.
import type { SecretBox } from "./secrets.js";

export interface CreatePayload {
  databases: { name: string; characterSet: string; collation: string }[];
  users: { name: string; password: string; host: string; databases: string[] }[];
  /** Password of the engine's administrative account, known only to the agent afterwards. */
  adminPassword: string;
}

export function sealPayload(box: SecretBox, payload: CreatePayload | Record<string, never>): string {
  return box.seal(JSON.stringify(payload));
}

export function openCreatePayload(box: SecretBox, sealed: string): CreatePayload {
  return JSON.parse(box.open(sealed)) as CreatePayload;
}

/** What a RESIZE_FLAVOR task carries: the new flavor as it was when the user asked. */
export interface ResizeFlavorPayload {
  flavorId: string;
  ramMb: number;
  vcpus: number;
}

/** What a RESIZE_VOLUME task carries. */
export interface ResizeVolumePayload {
  volumeSizeGb: number;
}

/** What a BACKUP task carries: the backup row it fills in. */
export interface BackupPayload {
  backupId: string;
}

type ActionPayload = ResizeFlavorPayload | ResizeVolumePayload | BackupPayload;

/** Payloads without secrets are plain JSON. */
export function actionPayload(payload: ActionPayload): string {
  return JSON.stringify(payload);
}

export function openActionPayload<T extends ActionPayload>(payload: string): T {
  return JSON.parse(payload) as T;
}

/** How long a workflow of each kind may take before it fails with a fault. */
export const taskDeadlinesMs = {
  CREATE: 10 * 60_000,
  DELETE: 5 * 60_000,
  RESTART: 5 * 60_000,
  STOP: 5 * 60_000,
  START: 5 * 60_000,
  RESIZE_FLAVOR: 10 * 60_000,
  RESIZE_VOLUME: 10 * 60_000,
  CONFIGURE: 5 * 60_000,
  BACKUP: 6 * 60 * 60_000,
} as const;

export type TaskKind = keyof typeof taskDeadlinesMs;
