// The OS accounts a datastore server involves: the agent's own, and the unprivileged one the
// server runs as (switched to with spawn's uid/gid options and used for file ownership).
import type { InstanceLayout } from "../manager.js";

/** An OS account processes are switched to with spawn's uid/gid options. */
export interface Account {
  uid: number;
  gid: number;
  user: string;
}

/** The agent's uid, or -1 where the platform has none. */
export function agentUid(): number {
  return process.getuid?.() ?? -1;
}

/** The account to switch to for the server and its files; undefined: the agent's own account. */
export function serverAccount(layout: InstanceLayout): Account | undefined {
  return layout.runAs && layout.runAs.uid !== agentUid() ? layout.runAs : undefined;
}
