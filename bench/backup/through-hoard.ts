// The same backup and restore through Hoard's public API, timed as a user polling it would see
// them: CreateBackup until COMPLETED; CreateInstance{backup} until ACTIVE (which includes
// allocating the new instance, so a plain create of an empty instance is timed beside it).
import { Code, ConnectError } from "@connectrpc/connect";
import { BackupService, BackupState, type Backup } from "../../gen/proto/hoard/v1/backup_pb.js";
import { InstanceStatus, type Instance } from "../../gen/proto/hoard/v1/instance_pb.js";
import { connectClient, serviceClient } from "../../test/e2e/clients.js";

/** How often the bench asks; small against the seconds measured. */
const POLL_MS = 25;

/** The shape every instance of the bench has. */
export interface Shape {
  flavor: string;
  volumeSizeGb: number;
  datastore: string;
  datastoreVersion: string;
}

export function hoardClients(url: string, token: string) {
  return { instances: connectClient(url, token), backups: serviceClient(BackupService, url, token) };
}
type Clients = ReturnType<typeof hoardClients>;

async function poll<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Waits for ACTIVE; ERROR ends the wait with the fault. */
export function waitActive(clients: Clients, id: string, timeoutMs = 1_800_000): Promise<Instance> {
  return poll(async () => {
    const { instance } = await clients.instances.getInstance({ id });
    if (instance?.status === InstanceStatus.ERROR) throw new Error(`${instance.name} went to ERROR: ${instance.fault?.message ?? instance.serviceDetail}`);
    return instance?.status === InstanceStatus.ACTIVE ? instance : undefined;
  }, `${id} ACTIVE`, timeoutMs);
}

/** CreateBackup until COMPLETED; the backup and the time from the request. */
export async function backupThroughHoard(clients: Clients, instance: string, name: string): Promise<{ ms: number; backup: Backup }> {
  const started = performance.now();
  const { backup } = await clients.backups.createBackup({ instance, name });
  const id = backup?.id ?? "";
  const done = await poll(async () => {
    const got = (await clients.backups.getBackup({ id })).backup;
    if (got?.state === BackupState.FAILED) throw new Error(`backup ${name} failed: ${got.fault}`);
    return got?.state === BackupState.COMPLETED ? got : undefined;
  }, `backup ${name}`, 1_800_000);
  return { ms: performance.now() - started, backup: done };
}

/** CreateInstance (from `backup` when given) until ACTIVE; the instance and the time from the request. */
export async function createThroughHoard(clients: Clients, shape: Shape, name: string, backup?: string): Promise<{ ms: number; instance: Instance }> {
  const started = performance.now();
  const { instance } = await clients.instances.createInstance({ name, ...shape, ...(backup ? { backup } : {}) });
  const active = await waitActive(clients, instance?.id ?? "");
  return { ms: performance.now() - started, instance: active };
}

/** Deletes an instance and waits until it is gone, so its teardown never overlaps the next measurement. */
export async function deleteInstance(clients: Clients, id: string): Promise<void> {
  await clients.instances.deleteInstance({ id }).catch(ignoreNotFound);
  await poll(async () => {
    try {
      await clients.instances.getInstance({ id });
      return undefined;
    } catch (err) {
      if (ConnectError.from(err).code === Code.NotFound) return true;
      throw err;
    }
  }, `${id} deleted`, 300_000);
}

/** Deletes a backup and its stored object. */
export async function deleteBackup(clients: Clients, id: string): Promise<void> {
  await clients.backups.deleteBackup({ id }).catch(ignoreNotFound);
}

function ignoreNotFound(err: unknown): void {
  if (ConnectError.from(err).code !== Code.NotFound) throw err;
}
