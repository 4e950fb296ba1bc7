// What makes MariaDB MariaDB for the shared MySQL-family manager: its program names, a data
// directory made by mariadb-install-db, mysql_native_password hashes computed by the agent,
// `unix_socket OR mysql_native_password` for the admin account, and its own system accounts.
import { DatastorePreconditionError } from "../errors.js";
import { nativePasswordHash, runCommand, text, type InitializeJob, type MysqlFlavor, type Settings } from "../mysql/index.js";

/**
 * mariadb-install-db options of the template (part of its cache key). root@localhost gets
 * unix_socket authentication and no second socket account (--auth-root-socket-user=root); no test
 * database; --cross-bootstrap leaves out the build host's name. The redo log starts small to keep
 * the copy cheap: the server resizes it to the instance's innodb_log_file_size at its first start.
 */
const INSTALL_DB_OPTIONS = [
  "--auth-root-authentication-method=socket",
  "--auth-root-socket-user=root",
  "--skip-test-db",
  "--cross-bootstrap",
  "--innodb-log-file-size=4M",
];

async function initializeDataDir(job: InitializeJob): Promise<void> {
  const { installDb, basedir } = job.binaries;
  if (!installDb) throw new DatastorePreconditionError(`mariadb-install-db is not in the datastore version's binDir (next to ${job.binaries.server})`);
  await runCommand(installDb, ["--no-defaults", `--basedir=${basedir}`, `--datadir=${job.dataDir}`, ...INSTALL_DB_OPTIONS], {
    account: job.account,
    signal: job.signal,
    timeoutMs: 300_000,
    label: "mariadb-install-db",
  });
}

/** MariaDB-only settings: the Aria page cache (internal temporary tables) scaled like the MyISAM key cache. */
function settings(ramMb: number): Settings {
  return [["aria_pagecache_buffer_size", `${Math.min(128, Math.max(16, Math.floor(ramMb / 16)))}M`]];
}

function utf8Alias(name: string): string {
  return name.replace(/^utf8(?=$|_)/i, "utf8mb3");
}

/** The MariaDB flavor of the shared MySQL-family manager. */
export const mariadbFlavor: MysqlFlavor = {
  engine: "mariadb",
  displayName: "MariaDB",
  tools: {
    server: ["mariadbd", "mysqld"],
    client: ["mariadb", "mysql"],
    installDb: ["mariadb-install-db", "mysql_install_db"],
    backup: ["mariadb-backup", "mariabackup"],
    backupStream: ["mbstream"],
  },
  templateRecipe: INSTALL_DB_OPTIONS,
  initializeDataDir,
  settings,
  identifiedBy: (password) => `BY PASSWORD '${nativePasswordHash(password)}'`,
  adminPasswordStatement: (password) =>
    `ALTER USER \`root\`@\`localhost\` IDENTIFIED VIA unix_socket OR mysql_native_password USING '${nativePasswordHash(password)}';`,
  quietSession: "SET SESSION sql_log_off = ON, SESSION slow_query_log = OFF, SESSION lock_wait_timeout = 30;",
  hiddenAccounts: ["mariadb.sys", "mysql", "PUBLIC"],
  // The lock lives in mysql.global_priv's JSON only; the mysql.user view does not show it.
  accountsQuery:
    "SELECT u.User, u.Host, IF(JSON_EXTRACT(g.Priv, '$.account_locked') = 'true', 'Y', 'N') AS Locked FROM mysql.user u JOIN mysql.global_priv g ON g.User = u.User AND g.Host = u.Host WHERE u.is_role = 'N'",
  charsetCheckQuery: (characterSet, collation) => {
    // 10.10+ collations such as uca1400_ai_ci apply to several character sets: the applicability
    // table knows both the short and the full (utf8mb4_uca1400_ai_ci) name. utf8 is an alias the
    // tables spell utf8mb3 (old_mode UTF8_IS_UTF8MB3, the 10.11 default).
    const cs = text(utf8Alias(characterSet ?? ""));
    const coll = text(utf8Alias(collation ?? ""));
    const applicable = (where: string): string => `EXISTS(SELECT 1 FROM information_schema.COLLATION_CHARACTER_SET_APPLICABILITY WHERE ${where})`;
    const collationIs = `(COLLATION_NAME = ${coll} OR FULL_COLLATION_NAME = ${coll})`;
    return `SELECT ${applicable(`CHARACTER_SET_NAME = ${cs}`)}, ${applicable(collationIs)}, ${applicable(`CHARACTER_SET_NAME = ${cs} AND ${collationIs}`)};`;
  },
};
