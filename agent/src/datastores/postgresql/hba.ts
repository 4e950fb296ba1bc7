// pg_hba.conf: who may connect from where, and how. Remote clients always use SCRAM-SHA-256, and
// the agent's superuser (postgres) may not log in over TCP at all; `root`, the master account users
// may enable (root.ts), is let in like any other role, with its password. On the unix socket the
// superuser authenticates by peer: only the OS users in pg_ident.conf's hoard-admin map (the
// agent's account and the server's) may act as it, in sessions and in the replication connection
// of pg_basebackup (backup.ts), so the agent needs no stored password after a restart to probe,
// administer or back up the server. The socket directory is also 0700 and the server's
// own, so no other local account can even reach the socket.
//
// Allowed CIDRs narrow the `host` lines to those networks; a client from anywhere else matches no
// line, and PostgreSQL refuses it with "no pg_hba.conf entry for host". The superuser's reject
// lines and the socket lines stay as they are whatever the CIDRs.
import { checkCidr } from "../../../../services/platform/cidr.js";
import { DatastoreSpecError } from "../errors.js";
import { ADMIN_ROLE } from "./paths.js";

/** The pg_ident.conf map naming the OS users that may act as the superuser on the socket. */
export const PEER_MAP = "hoard-admin";

/** Everywhere, as two host lines. */
const ANYWHERE = ["0.0.0.0/0", "::/0"];

/** Throws DatastoreSpecError naming the first entry that is not a CIDR with its host bits clear. */
export function checkAllowedCidrs(cidrs: string[]): void {
  for (const cidr of cidrs) {
    const problem = typeof cidr === "string" ? checkCidr(cidr) : "not a string";
    if (problem) throw new DatastoreSpecError(`allowedCidrs: ${problem}`);
  }
}

/** The file for `allowedCidrs` (checked with checkAllowedCidrs first); empty: from anywhere. */
export function renderHba(allowedCidrs: string[] = []): string {
  const networks = allowedCidrs.length > 0 ? [...new Set(allowedCidrs)] : ANYWHERE;
  const line = (type: string, user: string, address: string, method: string, database = "all"): string =>
    `${type.padEnd(8)}${database.padEnd(12)}${user.padEnd(10)}${address.padEnd(10)} ${method}`;
  return [
    "# Written by the Hoard agent on every prepare and configure; edits here are lost.",
    "# TYPE  DATABASE    USER      ADDRESS    METHOD",
    line("local", ADMIN_ROLE, "", `peer map=${PEER_MAP}`),
    line("local", ADMIN_ROLE, "", `peer map=${PEER_MAP}`, "replication"),
    line("local", "all", "", "scram-sha-256"),
    ...ANYWHERE.map((network) => line("host", ADMIN_ROLE, network, "reject")),
    ...networks.map((network) => line("host", "all", network, "scram-sha-256")),
    "",
  ].join("\n");
}
