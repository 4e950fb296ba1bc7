// Where new backups go, from the environment: HOARD_BACKUP_STORAGE "file" (a directory,
// HOARD_BACKUP_DIR, default $HOARD_HOME/backups) or "nats" (a JetStream object store bucket,
// HOARD_BACKUP_BUCKET, default hoard-backups). Each backup records its own, so changing this later
// leaves older backups restorable from where they are.
import path from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import { createFileStorage, createNatsStorage, type BackupStorage } from "./backup/index.js";
import { FailedPreconditionError, InvalidArgumentError } from "./errors.js";

export interface BackupStorageRef {
  kind: "file" | "nats";
  location: string;
}

export function backupStorageFromEnv(home: string, env: NodeJS.ProcessEnv = process.env): BackupStorageRef {
  const kind = env.HOARD_BACKUP_STORAGE ?? "file";
  if (kind === "file") return { kind, location: path.resolve(env.HOARD_BACKUP_DIR ?? path.join(home, "backups")) };
  if (kind === "nats") {
    const bucket = env.HOARD_BACKUP_BUCKET ?? "hoard-backups";
    if (!/^[A-Za-z0-9_-]+$/.test(bucket)) throw new InvalidArgumentError("HOARD_BACKUP_BUCKET", `"${bucket}" is not a bucket name (letters, digits, _ and -)`);
    return { kind, location: bucket };
  }
  throw new InvalidArgumentError("HOARD_BACKUP_STORAGE", `must be "file" or "nats", got "${kind}"`);
}

/** Opens the storage a backup names; NATS object stores need the process's NATS connection. */
export async function openBackupStorage(ref: { kind: string; location: string }, nc: NatsConnection | undefined): Promise<BackupStorage> {
  if (ref.kind === "file") return createFileStorage(ref.location);
  if (ref.kind === "nats") {
    if (!nc) throw new FailedPreconditionError("this process has no NATS connection to reach the backup's object store");
    return createNatsStorage(nc, { bucket: ref.location });
  }
  throw new FailedPreconditionError(`backup storage kind "${ref.kind}" is not known here`);
}

/** Removes every stored object a backup lists (idempotent), wherever that backup was stored. */
export async function deleteBackupObjects(backup: { storageKind: string; storageLocation: string; objects: string }, nc: NatsConnection | undefined): Promise<void> {
  const storage = await openBackupStorage({ kind: backup.storageKind, location: backup.storageLocation }, nc);
  for (const object of JSON.parse(backup.objects) as { key: string }[]) await storage.delete(object.key);
}
