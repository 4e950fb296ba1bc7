// MariaDB 10.11 datastore of the guest agent: the shared MySQL-family manager (../mysql/) with the
// MariaDB flavor. Instances are copied from a per-host template made once with mariadb-install-db;
// mariadbd runs detached as the layout's unprivileged account with a my.cnf derived from the
// flavor; the agent administers it as root@localhost over the unix socket (unix_socket auth when the
// agent is root, else the instance's admin password from a 0600 option file in runDir). Allowed
// CIDRs are enforced by the accounts' hosts (see ../mysql/access.ts; IPv4 only).
//
// binDir: the directory of mariadbd or of the client, or the installation prefix; each program is
// looked up in binDir, ../sbin, ../bin, sbin/, bin/ and ../scripts (Debian: /usr/sbin or /usr/bin or /usr).
//
// flavor.ts   program names, mariadb-install-db, password and admin-auth SQL, system accounts
import type { DatastoreManager, InstanceLayout } from "../manager.js";
import { createMysqlFamilyManager, type MysqlManagerOptions } from "../mysql/index.js";
import { mariadbFlavor } from "./flavor.js";

/** Options of the MariaDB manager: a logger, timeouts, the admin login, log caps (see MysqlManagerOptions). */
export type MariadbManagerOptions = MysqlManagerOptions;

/** Builds the manager of one MariaDB instance; registered as "mariadb" in ../registry.ts. */
export function createMariadbManager(layout: InstanceLayout, options: MariadbManagerOptions = {}): DatastoreManager {
  return createMysqlFamilyManager(layout, mariadbFlavor, options);
}

export { mariadbFlavor };
