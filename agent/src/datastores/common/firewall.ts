// Client address filtering for engines that cannot do it themselves (Redis: `bind` only picks the
// local addresses to listen on, and ACL users have no address rules). The instance owns one
// nftables table; its input-hook chain resets every TCP connection to the instance's address and
// port from a source outside the allowed CIDRs. The table is replaced whole in one `nft -f`
// transaction, so there is never a moment with no rules or half of them.
//
// The table outlives the agent and the server on purpose (a stopped instance stays fenced); the
// compute provider deletes it on destroy, by the name nftTableName gives.
import { spawn } from "node:child_process";
import { isIP } from "node:net";
import { checkCidr } from "../../../../services/platform/cidr.js";
import { DatastoreEngineError, DatastorePreconditionError, DatastoreSpecError } from "../errors.js";
import { agentUid } from "./account.js";
import { CHILD_ENV } from "./child-env.js";

/** nft lives in sbin, which the agent's base child PATH leaves out. */
const NFT_ENV = { ...CHILD_ENV, PATH: `/usr/local/sbin:/usr/sbin:/sbin:${CHILD_ENV.PATH}` };
const NFT_TIMEOUT_MS = 30_000;

/**
 * The instance's table in the `inet` family: `hoard_<first 16 hex digits of the id without
 * dashes>` (instance ids are UUIDs). The local compute provider derives the same name to delete
 * the table on destroy; keep the two in step.
 */
export function nftTableName(instanceId: string): string {
  return `hoard_${instanceId.replace(/-/g, "").slice(0, 16)}`;
}

/** Where the fenced server listens, and who may reach it; an empty `allowedCidrs` means anyone. */
export interface ClientFence {
  instanceId: string;
  host: string;
  port: number;
  allowedCidrs: readonly string[];
}

/**
 * The nft script that replaces the instance's table (`add` + `delete` + the new table: the first
 * line makes the delete succeed when there is no table yet). Sets are intervals with auto-merge,
 * so overlapping CIDRs are fine. Pure; throws DatastoreSpecError on what it cannot express.
 */
export function renderFenceScript(fence: ClientFence): string {
  const table = checkedTable(fence.instanceId);
  const v4: string[] = [];
  const v6: string[] = [];
  for (const cidr of fence.allowedCidrs) {
    const problem = checkCidr(cidr);
    if (problem) throw new DatastoreSpecError(`allowedCidrs: ${problem}`);
    (isIP(cidr.slice(0, cidr.indexOf("/"))) === 4 ? v4 : v6).push(cidr);
  }
  const set = (name: string, type: string, elements: string[]): string =>
    `  set ${name} { type ${type}; flags interval; auto-merge;${elements.length > 0 ? ` elements = { ${elements.join(", ")} };` : ""} }`;
  return [
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    set("clients4", "ipv4_addr", v4),
    set("clients6", "ipv6_addr", v6),
    "  chain input {",
    // Accept is only this chain's verdict: whatever else the host's firewall drops stays dropped.
    "    type filter hook input priority filter; policy accept;",
    `    ${destinationMatch(fence.host)} tcp dport ${fence.port} ${sourceMismatch(fence.host)} reject with tcp reset`,
    "  }",
    "}",
    "",
  ].join("\n");
}

/**
 * Makes the instance's table say what `fence` says: replaced when allowedCidrs is non-empty,
 * deleted when it is empty. A reset (rather than a drop) answers refused clients at once instead
 * of letting them time out; connections already open from a source no longer allowed are reset
 * at their next packet. Fails with DatastorePreconditionError where the host cannot do it (agent
 * not root, no nft): `engine` names who needed it. Emptying on such a host is a no-op, as there
 * can be no table to remove.
 */
export async function applyClientFence(fence: ClientFence, engine: string, nft = "nft"): Promise<void> {
  const table = checkedTable(fence.instanceId);
  const wanted = fence.allowedCidrs.length > 0;
  const script = wanted ? renderFenceScript(fence) : `table inet ${table}\ndelete table inet ${table}\n`;
  const unavailable = (why: string): DatastorePreconditionError =>
    new DatastorePreconditionError(`${engine} cannot restrict client addresses here: ${why}`);
  if (agentUid() !== 0) {
    if (wanted) throw unavailable("the agent does not run as root, which nftables needs");
    return;
  }
  const result = await runNft(nft, script);
  if (result.kind === "missing") {
    if (wanted) throw unavailable(`${nft} (nftables) is not installed`);
    return;
  }
  if (result.kind === "failed") {
    throw new DatastoreEngineError(`nft could not ${wanted ? "apply" : "remove"} table inet ${table}: ${result.stderr.trim().split("\n")[0] ?? ""}`, result.stderr);
  }
}

function checkedTable(instanceId: string): string {
  const table = nftTableName(instanceId);
  if (!/^hoard_[A-Za-z0-9_]+$/.test(table)) throw new DatastoreSpecError(`instance id ${JSON.stringify(instanceId)} cannot name an nftables table`);
  return table;
}

/** What the rule matches as "to this server": its address, or every address of its family when it listens on all. */
function destinationMatch(host: string): string {
  if (host === "0.0.0.0") return "meta nfproto ipv4";
  if (host === "::") return "meta nfproto ipv6";
  const family = isIP(host);
  if (family === 4) return `ip daddr ${host}`;
  if (family === 6) return `ip6 daddr ${host}`;
  throw new DatastorePreconditionError(`cannot filter clients of ${JSON.stringify(host)}: the instance must listen on an IP address`);
}

function sourceMismatch(host: string): string {
  return host === "::" || isIP(host) === 6 ? "ip6 saddr != @clients6" : "ip saddr != @clients4";
}

type NftResult = { kind: "ok" } | { kind: "missing" } | { kind: "failed"; stderr: string };

/** Runs `nft -f -` with `script` on stdin. */
function runNft(nft: string, script: string): Promise<NftResult> {
  return new Promise((resolve) => {
    const child = spawn(nft, ["-f", "-"], { env: NFT_ENV, stdio: ["pipe", "ignore", "pipe"], timeout: NFT_TIMEOUT_MS });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-8192)));
    child.stdin.on("error", () => {}); // nft gone before reading: its exit says why
    child.once("error", (err: NodeJS.ErrnoException) =>
      resolve(err.code === "ENOENT" ? { kind: "missing" } : { kind: "failed", stderr: err.message }),
    );
    child.once("close", (code, killedBy) => {
      if (code === 0) resolve({ kind: "ok" });
      else resolve({ kind: "failed", stderr: stderr || `nft ${code === null ? `was killed by ${killedBy ?? "a signal"}` : `exited with status ${code}`}` });
    });
    child.stdin.end(script);
  });
}
