// MySQL-family datastore code shared by the MariaDB manager (and a MySQL one later): an engine
// supplies a MysqlFlavor and gets a complete DatastoreManager. Instances start from a per-host
// template data directory, the server runs detached as the layout's unprivileged account, and the
// agent administers it as root@localhost over the unix socket through the command-line client.
//
// manager.ts   the DatastoreManager operations          flavor.ts     what an engine supplies
// server.ts    process start/stop, readiness            pid-file.ts   pid file truth, stale cleanup
// template.ts  template build and copy                   config-file.ts  my.cnf, admin credentials
// settings.ts  settings derived from flavor and layout, parameters over them
// configure.ts Configure: my.cnf, live SET GLOBAL, restart pending   variables.ts  SYSTEM_VARIABLES, value compare
// access.ts    allowed CIDRs as account hosts (design)  access-sync.ts  applying it, account copies
// agent-state.ts  the agent's durable record (networks, copies, locks, log switches)
// admin.ts / admin-users.ts / admin-support.ts / catalog.ts / queries.ts / sql.ts  databases, users, root
// guest-logs.ts / log-kinds.ts / log-rotation.ts  error, general and slow logs: switch, read, rotate
// client.ts    SQL through the CLI client               status.ts     health probe
// binaries.ts  programs located from binDir             exec.ts / host-fs.ts / paths.ts / context.ts / account.ts  plumbing
// backup.ts    mariadb-backup's xbstream plus the agent's trailer (networks record, end marker)
// restore.ts   mbstream -x, --prepare, this instance's my.cnf and admin password, networks re-applied

export { createMysqlFamilyManager, type MysqlManagerOptions } from "./manager.js";
export type { MysqlFlavor, InitializeJob } from "./flavor.js";
export type { AdminAuth } from "./context.js";
export type { LogLimits } from "./log-rotation.js";
export type { Settings } from "./settings.js";
export { deriveMemorySettings, renderOptionFile, MIN_RAM_MB } from "./settings.js";
export { candidateDirs, type Binaries, type ToolNames } from "./binaries.js";
export { runCommand } from "./exec.js";
export { nativePasswordHash } from "./native-password.js";
export { text } from "./sql.js";
export { MAX_SOCKET_PATH_BYTES } from "../common/layout-checks.js";
