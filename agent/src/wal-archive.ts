// The instance's WAL archive as the agent remembers it: where its WAL goes (storage and key
// prefix) and the archive's data key. The control plane sends it with Prepare or Restore only; an
// agent restarted later reads it back from here, so the shipper carries on without a call.
//
// The data key is kept in the clear in this file (0600, the agent's account). That exposes
// nothing new: the host that holds this file also holds the database's files in the clear on the
// instance's volume. The file sits in the instance root, the agent's directory, like the intent
// file, and not on the volume: the server's account owns the volume and must not be able to
// redirect the agent's uploads or read the key.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import type { WalArchive as WalArchiveMessage } from "../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import type { BackupStorage } from "../../services/platform/backup/index.js";
import { validatePrefix } from "../../services/platform/backup/index.js";
import { openBackupStorage } from "../../services/platform/backup-settings.js";
import { InvalidArgumentError } from "../../services/platform/errors.js";
import { writeOwnedFile } from "./datastores/common/owned-file.js";
import type { WalShipTarget } from "./wal-shipper.js";

/** One WAL archive: the shipper's target, or a restore's source. */
export interface WalArchiveRef {
  storage: { kind: string; location: string };
  /** "wal/<instanceId>/". */
  prefix: string;
  dataKey: Buffer;
}

export interface WalArchiveFile {
  load(): Promise<WalArchiveRef | undefined>;
  save(archive: WalArchiveRef): Promise<void>;
}

/** Checks a WalArchive message of a request, naming `field` in the error. */
export function walArchiveOf(message: WalArchiveMessage, field: string): WalArchiveRef {
  const { storage } = message;
  if (!storage?.kind || !storage.location) throw new InvalidArgumentError(`${field}.storage`, "must name a kind and a location");
  try {
    validatePrefix(message.prefix);
  } catch {
    throw new InvalidArgumentError(`${field}.prefix`, `"${message.prefix}" must be a storage key followed by "/"`);
  }
  if (message.dataKey.length !== 32) throw new InvalidArgumentError(`${field}.data_key`, "must be 32 bytes");
  return { storage: { kind: storage.kind, location: storage.location }, prefix: message.prefix, dataKey: Buffer.from(message.dataKey) };
}

/** The archive settings kept as `<dir>/wal-archive.json`. */
export function createWalArchiveFile(dir: string): WalArchiveFile {
  const file = path.join(dir, "wal-archive.json");
  return {
    async load() {
      const text = await readFile(file, "utf8").catch(() => undefined);
      if (text === undefined) return undefined;
      const doc = JSON.parse(text) as { storage: { kind: string; location: string }; prefix: string; dataKey: string };
      return { storage: doc.storage, prefix: doc.prefix, dataKey: Buffer.from(doc.dataKey, "base64") };
    },
    async save(archive) {
      const text = `${JSON.stringify({ storage: archive.storage, prefix: archive.prefix, dataKey: archive.dataKey.toString("base64") }, null, 2)}\n`;
      await writeOwnedFile(file, text, undefined, { mode: 0o600 }); // the agent's own account, atomically
    },
  };
}

/**
 * The shipper's target, read from the file on each pass (cheap) so a Prepare or Restore that
 * writes it takes effect at once; storages are opened once per kind and location.
 */
export function walTargetLoader(file: WalArchiveFile, nc: NatsConnection | undefined): () => Promise<WalShipTarget | undefined> {
  const opened = new Map<string, Promise<BackupStorage>>();
  return async () => {
    const archive = await file.load();
    if (!archive) return undefined;
    return { storage: await openWalStorage(archive, nc, opened), prefix: archive.prefix, dataKey: archive.dataKey };
  };
}

/** Opens an archive's storage, reusing one already opened for the same kind and location. */
export function openWalStorage(archive: WalArchiveRef, nc: NatsConnection | undefined, opened?: Map<string, Promise<BackupStorage>>): Promise<BackupStorage> {
  const id = `${archive.storage.kind}:${archive.storage.location}`;
  let storage = opened?.get(id);
  if (!storage) {
    storage = openBackupStorage(archive.storage, nc);
    storage.catch(() => opened?.delete(id)); // a failed open is retried on the next pass
    opened?.set(id, storage);
  }
  return storage;
}
