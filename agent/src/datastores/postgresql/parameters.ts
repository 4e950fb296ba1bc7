// A configuration group's parameters as hoard.conf takes them. The control plane checks names and
// values against the datastore version's catalogue; the agent still refuses what would break the
// file, hand the agent's own settings to a tenant, or let a setting reach outside the instance, so
// no caller other than the RPC layer can slip one through.
import { DatastoreSpecError } from "../errors.js";

/**
 * Names the agent sets itself: where the server listens and its socket (the agent administers it
 * there), and how it logs (the guest logs parse that format and manage those files). Checked
 * against settings.ts by settings.test.ts.
 */
export const AGENT_OWNED_PARAMETERS: ReadonlySet<string> = new Set([
  "listen_addresses",
  "port",
  "unix_socket_directories",
  "unix_socket_permissions",
  "unix_socket_group",
  "password_encryption",
  "logging_collector",
  "log_destination",
  "log_directory",
  "log_filename",
  "log_truncate_on_rotation",
  "log_rotation_age",
  "log_rotation_size",
  "log_file_mode",
  "log_line_prefix",
  // Continuous WAL archiving (settings.ts deriveArchiveSettings) and the point-in-time restore's
  // recovery targets (recovery.ts passes those on the command line while it runs).
  "archive_mode",
  "archive_timeout",
  "recovery_target",
  "recovery_target_action",
  "recovery_target_inclusive",
  "recovery_target_lsn",
  "recovery_target_name",
  "recovery_target_time",
  "recovery_target_timeline",
  "recovery_target_xid",
]);

/**
 * Names no tenant setting may carry because they name host files, run programs or load libraries
 * as the server's account (which every instance of a host shares), or are directives, not settings.
 */
const HOST_REACHING_PARAMETERS: ReadonlySet<string> = new Set([
  "include",
  "include_dir",
  "include_if_exists",
  "data_directory",
  "config_file",
  "hba_file",
  "ident_file",
  "external_pid_file",
  "archive_command",
  "archive_library",
  "archive_cleanup_command",
  "restore_command",
  "recovery_end_command",
  "ssl_passphrase_command",
  "shared_preload_libraries",
  "local_preload_libraries",
  "session_preload_libraries",
  "dynamic_library_path",
  "ssl_cert_file",
  "ssl_key_file",
  "ssl_ca_file",
  "ssl_crl_file",
  "ssl_crl_dir",
  "ssl_dh_params_file",
  "krb_server_keyfile",
]);

/** A GUC name, optionally qualified by an extension ("auto_explain.log_min_duration"). */
const NAME = /^[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)?$/;

/** Throws DatastoreSpecError for the first parameter hoard.conf must not hold. */
export function checkParameters(parameters: Record<string, string>): void {
  for (const [name, value] of Object.entries(parameters)) {
    const key = name.toLowerCase();
    if (!NAME.test(key)) throw new DatastoreSpecError(`"${name}" is not a PostgreSQL parameter name`);
    if (AGENT_OWNED_PARAMETERS.has(key)) throw new DatastoreSpecError(`parameter "${name}" is set by Hoard and cannot be changed`);
    if (HOST_REACHING_PARAMETERS.has(key)) throw new DatastoreSpecError(`parameter "${name}" cannot be set on a Hoard instance`);
    if (key === "wal_level" && value.trim().toLowerCase() === "minimal") {
      throw new DatastoreSpecError(`wal_level "minimal" cannot archive WAL; Hoard needs "replica" or "logical"`);
    }
    if (typeof value !== "string" || /[\0\n\r]/.test(value)) {
      throw new DatastoreSpecError(`value of parameter "${name}" must be text without NUL or line breaks`);
    }
  }
}

/**
 * The parameters as hoard.conf settings: names lower-cased (PostgreSQL's are case-insensitive, and
 * a flavor-derived value must be replaced, not repeated), values kept as the strings they are, so
 * each is written quoted ('4096', 'on', 'all'), a form PostgreSQL accepts for every type.
 */
export function parameterSettings(parameters: Record<string, string>): Array<[string, string]> {
  return Object.entries(parameters).map(([name, value]) => [name.toLowerCase(), value]);
}
