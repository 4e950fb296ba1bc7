// Backups: streaming a database engine's backup through gzip and authenticated encryption into
// a storage driver (a directory, or a NATS JetStream object store), and back with every byte
// checked. Format: envelope.ts. Keys: data-key.ts. Drivers: file-storage.ts, nats-storage.ts.
export { createFileStorage } from "./file-storage.js";
export { createNatsStorage, defaultBucket, type NatsStorageOptions } from "./nats-storage.js";
export { objectNotFound, validateKey, validatePrefix, type BackupStorage } from "./storage.js";
export { BackupCorruptError, BackupKeyError } from "./errors.js";
export { loadMasterKey, masterKeyId, newDataKey, unwrapDataKey, wrapDataKey } from "./data-key.js";
export { createDecryptStream, createEncryptStream } from "./crypto-stream.js";
export {
  gzipLevel,
  readBackupObject,
  writeBackupObject,
  type BackupObjectRecord,
  type ReadBackupObjectOptions,
  type WriteBackupObjectOptions,
} from "./pipeline.js";
