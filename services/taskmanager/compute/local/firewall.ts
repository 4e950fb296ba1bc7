// The nftables table an instance's agent may create to fence its database server (Redis does).
// The table outlives the agent on purpose, so destroy removes it, by the agent's own naming
// function (one definition, so the two cannot drift apart).

import { nftTableName } from "../../../../agent/src/datastores/common/firewall.js";
import { CommandError, runCommand } from "./run-command.js";

/**
 * Deletes the instance's nftables table (`inet hoard_<id prefix>`) if there is one. A missing
 * table is fine, and so is a host without `nft` (no agent there can have made one).
 */
export async function deleteFirewallTable(instanceId: string, signal?: AbortSignal): Promise<void> {
  try {
    await runCommand(["nft", "delete", "table", "inet", nftTableName(instanceId)], { signal, timeoutMs: 30_000 });
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    if (err.exitCode === null && /ENOENT/.test(err.message)) return; // nft is not installed
    if (err.exitCode === 1 && /No such file or directory/.test(err.stderrTail)) return; // no such table
    throw err;
  }
}
