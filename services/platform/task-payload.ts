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

/** How long a workflow of each kind may take before it fails with a fault. */
export const taskDeadlinesMs = {
  CREATE: 10 * 60_000,
  DELETE: 5 * 60_000,
  RESTART: 5 * 60_000,
  STOP: 5 * 60_000,
  START: 5 * 60_000,
} as const;
