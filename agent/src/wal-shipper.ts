// Empties the WAL spool into the instance's WAL archive. The server's archive_command leaves each
// finished WAL file in the spool directory (datastores/postgresql/settings.ts); the shipper stores
// each one, compressed and encrypted like a backup object (writeBackupObject), under
// `<prefix><file name>`, and removes it from the spool only once its object is stored. A failed
// upload keeps the file and is retried with a growing delay, in name order, so the archive never
// has a gap before a file it holds. The spool is on the instance's volume: while storage is
// unreachable WAL piles up there, which is the price of never losing a file.
import { constants } from "node:fs";
import { open, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { writeBackupObject, type BackupStorage } from "../../services/platform/backup/index.js";
import { restartDelayMs } from "./backoff.js";

/** Where shipped files go. */
export interface WalShipTarget {
  storage: BackupStorage;
  /** "wal/<instanceId>/". */
  prefix: string;
  dataKey: Buffer;
}

export interface WalShipperOptions {
  spoolDir: string;
  /** The archive to ship to; undefined while the instance has none (files then stay in the spool). */
  target: () => Promise<WalShipTarget | undefined>;
  logger: Logger;
  /** How often the spool is looked at when nothing pokes the shipper. */
  intervalMs?: number;
  /** First delay after a failed pass, doubled per failure up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
}

export interface WalShipper {
  /** Runs a pass now (or waits for the one under way and runs another); rejects with its failure. */
  shipNow(): Promise<void>;
  /** WAL files waiting in the spool, in shipping order. */
  pending(): Promise<string[]>;
  close(): void;
}

/**
 * WAL segments (24 hex digits), timeline histories, backup history files and the partial last
 * segment of a timeline a promotion ended. Anything else (the archive_command's dot-named
 * temporaries, stray files) is never shipped.
 */
export const WAL_FILE_NAME = /^(?:[0-9A-F]{24}(?:\.partial|\.[0-9A-F]{8}\.backup)?|[0-9A-F]{8}\.history)$/;

export function createWalShipper(options: WalShipperOptions): WalShipper {
  const { spoolDir, logger } = options;
  const log = logger.child({ unit: "wal-shipper" });
  const intervalMs = options.intervalMs ?? 1000;
  const retryMs = options.retryMs ?? 1000;
  const maxRetryMs = options.maxRetryMs ?? 30_000;
  let running: Promise<void> | undefined;
  let again: Promise<void> | undefined;
  let failures = 0;
  let nextAttemptAt = 0;
  let closed = false;

  async function pending(): Promise<string[]> {
    const names = await readdir(spoolDir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return [] as string[];
      throw err;
    });
    return names.filter((name) => WAL_FILE_NAME.test(name)).sort();
  }

  /** Stores one spooled file, then removes it. A symbolic or hard link or other non-file is refused, never followed. */
  async function ship(target: WalShipTarget, name: string): Promise<void> {
    const path = join(spoolDir, name);
    // The spool belongs to the server's account; O_NOFOLLOW keeps a planted link from making the
    // agent (often root) read some other file into the archive.
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      // archive_command's rename leaves one link; a second one is a hard link someone planted.
      const info = await handle.stat();
      if (!info.isFile() || info.nlink !== 1) throw new Error(`${path} is not a regular file with a single link; it is not shipped`);
      const source = handle.createReadStream({ autoClose: false });
      await writeBackupObject({ source, storage: target.storage, key: `${target.prefix}${name}`, dataKey: target.dataKey });
    } finally {
      await handle.close();
    }
    await unlink(path);
  }

  async function pass(): Promise<void> {
    const names = await pending();
    if (names.length === 0) return;
    const target = await options.target();
    if (!target) return;
    for (const name of names) {
      if (closed) return;
      await ship(target, name);
      log.debug({ file: name }, "wal file archived");
    }
  }

  /** One pass at a time; a call during a pass gets the next one. */
  function schedulePass(): Promise<void> {
    if (!running) {
      running = pass()
        .then(
          () => {
            if (failures > 0) log.info({ failures }, "wal archiving works again");
            failures = 0;
          },
          (err: unknown) => {
            failures++;
            nextAttemptAt = Date.now() + restartDelayMs(failures - 1, { initialMs: retryMs, maxMs: maxRetryMs });
            if (failures === 1 || failures % 20 === 0) log.warn({ err, failures }, "wal archiving failed; the files stay in the spool and are retried");
            throw err;
          },
        )
        .finally(() => (running = undefined));
      return running;
    }
    again ??= running.catch(() => undefined).then(() => {
      again = undefined;
      return schedulePass();
    });
    return again;
  }

  const timer = setInterval(() => {
    if (closed || running || Date.now() < nextAttemptAt) return;
    schedulePass().catch(() => undefined); // logged in schedulePass
  }, intervalMs);
  timer.unref();

  return {
    shipNow: schedulePass,
    pending,
    close() {
      closed = true;
      clearInterval(timer);
    },
  };
}
