// What differs between MySQL-family engines (MariaDB now, MySQL later), as one object each engine
// supplies: program names, how a data directory is born, password and admin-auth SQL, system
// accounts and engine-only settings. Everything else in mysql/ is shared.
import type { Account } from "../common/account.js";
import type { Binaries, ToolNames } from "./binaries.js";
import type { Settings } from "./settings.js";

/** What a flavor needs to initialise a data directory. */
export interface InitializeJob {
  binaries: Binaries;
  /** Empty directory owned by `account`. */
  dataDir: string;
  /** Account the server will run as; undefined: the agent's own. */
  account: Account | undefined;
  signal: AbortSignal;
}

/** One MySQL-family engine. */
export interface MysqlFlavor {
  /** Engine id: name rules (services/platform/datastore-names.ts), cache folder, log component. */
  readonly engine: string;
  /** How messages name the engine. */
  readonly displayName: string;
  readonly tools: ToolNames;
  /** Whatever shapes a fresh data directory besides the binaries; part of the template cache key. */
  readonly templateRecipe: readonly string[];
  /**
   * Initialises `job.dataDir` with the system tables and one administrative account,
   * root@localhost, that authenticates by unix_socket as the OS user root and has no usable password.
   */
  initializeDataDir(job: InitializeJob): Promise<void>;
  /** Engine-only settings, written after the shared ones. */
  settings(ramMb: number, vcpus: number): Settings;
  /** SQL after `IDENTIFIED` giving an account this password, e.g. `BY PASSWORD '*…'`. */
  identifiedBy(password: string): string;
  /** Makes root@localhost accept unix_socket or this password (for agents that are not root). */
  adminPasswordStatement(password: string): string;
  /** First statements of every admin session: out of the general and slow logs, bounded lock waits. */
  readonly quietSession: string;
  /** Accounts (any host) listUsers leaves out besides root; the name rules already reserve them. */
  readonly hiddenAccounts: readonly string[];
  /** SQL with columns User, Host, Locked ('Y' for an account under ACCOUNT LOCK, else 'N'): every account, roles left out. */
  readonly accountsQuery: string;
  /** SQL returning one row of three 0/1 flags: character set known, collation known, the two belong together. */
  charsetCheckQuery(characterSet: string | undefined, collation: string | undefined): string;
}
