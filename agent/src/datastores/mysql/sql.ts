// Quoting for the SQL the agent writes. Names reach here validated (datastore-names.ts), but every
// name is still quoted so that no value can end a token early, whatever the server's sql_mode.
import { DatastoreSpecError } from "../errors.js";

/** A backtick-quoted identifier (database, user or host part of an account). */
export function ident(name: string): string {
  if (name.includes("\0")) throw new DatastoreSpecError("names must not contain NUL");
  return `\`${name.replaceAll("`", "``")}\``;
}

/** `user`@`host`, the way account names are written in CREATE/DROP/GRANT. */
export function account(user: string, host: string): string {
  return `${ident(user)}@${ident(host)}`;
}

/**
 * A character-string literal. Plain text goes in single quotes; anything with a quote, backslash
 * or non-ASCII character becomes a hex literal converted to utf8mb4, which no sql_mode
 * (NO_BACKSLASH_ESCAPES) or client parsing can misread.
 */
export function text(value: string): string {
  if (/^[A-Za-z0-9 _.$%*@:\/#+=-]*$/.test(value)) return `'${value}'`;
  return `CONVERT(X'${Buffer.from(value, "utf8").toString("hex")}' USING utf8mb4)`;
}

/**
 * The database part of a grant. In GRANT ... ON `db`.*, '_' and '%' are wildcards: `my_db` would
 * also open `myXdb`. Escaped, the grant covers exactly the one database.
 */
export function grantDatabase(name: string): string {
  return ident(name.replace(/[\\_%]/g, (c) => `\\${c}`));
}

/** The database name a mysql.db pattern stands for, undoing grantDatabase's escapes. */
export function unescapeGrantDatabase(pattern: string): string {
  return pattern.replace(/\\([\\_%])/g, "$1");
}

/** Character set or collation names: letters, digits and underscores only, then written bare. */
export function charsetName(kind: "character set" | "collation", name: string): string {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new DatastoreSpecError(`${kind} ${JSON.stringify(name)} is not a valid ${kind} name`);
  return name;
}
