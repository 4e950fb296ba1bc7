// Where a MySQL-family server's programs are, from the datastore version's binDir.
//
// The rule: binDir names one directory of the installation, and each program is looked up, in
// order, in binDir, binDir/../sbin, binDir/../bin, binDir/sbin, binDir/bin and binDir/../scripts.
// So binDir may be /usr/sbin or /usr/bin (Debian: mariadbd in /usr/sbin, the client and
// mariadb-install-db in /usr/bin), /usr itself, or a tarball's bin/ (install-db in scripts/).
// The installation's base directory is the parent of the server binary's directory.
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { DatastorePreconditionError } from "../errors.js";

/** File names a flavor's programs may have, preferred name first (e.g. mariadbd, then mysqld). */
export interface ToolNames {
  server: readonly string[];
  client: readonly string[];
  /** The data directory initialiser, when the flavor has a separate one. */
  installDb: readonly string[];
  /** The hot backup tool (mariadb-backup) and its stream extractor (mbstream); backups need both. */
  backup: readonly string[];
  backupStream: readonly string[];
}

/** Absolute paths of one installation's programs. */
export interface Binaries {
  server: string;
  client: string;
  installDb: string | undefined;
  backup: string | undefined;
  backupStream: string | undefined;
  /** --basedir of the installation (share/, lib/plugin/ below it). */
  basedir: string;
}

const cache = new Map<string, Promise<Binaries>>();

/** Directories searched for each program, in order. */
export function candidateDirs(binDir: string): string[] {
  return [binDir, join(binDir, "..", "sbin"), join(binDir, "..", "bin"), join(binDir, "sbin"), join(binDir, "bin"), join(binDir, "..", "scripts")].map(
    (dir) => resolve(dir),
  );
}

/** Finds the programs; throws DatastorePreconditionError naming the directories searched. Cached per binDir. */
export function locateBinaries(binDir: string, tools: ToolNames): Promise<Binaries> {
  const key = [binDir, tools.server, tools.client, tools.installDb, tools.backup, tools.backupStream].join("\0");
  let found = cache.get(key);
  if (!found) {
    found = (async () => {
      const dirs = [...new Set(candidateDirs(binDir))];
      const server = await find(dirs, tools.server);
      const client = await find(dirs, tools.client);
      if (!server || !client) {
        const missing = !server ? tools.server.join(" or ") : tools.client.join(" or ");
        throw new DatastorePreconditionError(`no ${missing} in ${dirs.join(", ")}: check the datastore version's binDir`);
      }
      const [installDb, backup, backupStream] = await Promise.all([tools.installDb, tools.backup, tools.backupStream].map((names) => find(dirs, names)));
      return { server, client, installDb, backup, backupStream, basedir: dirname(dirname(server)) };
    })();
    cache.set(key, found);
    found.catch(() => cache.delete(key)); // look again next time: the package may get installed
  }
  return found;
}

async function find(dirs: string[], names: readonly string[]): Promise<string | undefined> {
  for (const name of names) {
    for (const dir of dirs) {
      const path = join(dir, name);
      const ok = await access(path, constants.X_OK).then(
        () => true,
        () => false,
      );
      if (ok) return path;
    }
  }
  return undefined;
}
