// Allowed client networks (ServerSettings.allowedCidrs) on a MySQL-family server, enforced by the
// accounts themselves. There is no pg_hba.conf here: where an account may log in from is its host
// part, so that is where the rule goes.
//
// - Who is subject: every account a client can use over TCP: the users, and root@'%' (the master
//   user of enableRoot). Not the agent's root@localhost (unix socket only), the flavor's system
//   accounts (mariadb.sys, mysql, PUBLIC) nor the reserved hoard* accounts.
// - Networks: each IPv4 CIDR becomes MariaDB's 'address/netmask' host form, 10.0.0.0/8 ->
//   '10.0.0.0/255.0.0.0' (a zero netmask matches nothing, so 0.0.0.0/0 becomes its two /1 halves).
//   Account hosts cannot express IPv6 networks: an IPv6 CIDR is refused with
//   DatastorePreconditionError, and nothing changes.
// - user@'%': with networks set, the account the user asked for stands as one account per network,
//   user@'10.0.0.0/255.0.0.0' ..., each a copy of the same password hash, grants, limits and lock
//   (taken from SHOW CREATE USER and SHOW GRANTS). listUsers and every API call keep naming it
//   user@'%', the user's choice; clearing the networks turns the copies back into one user@'%'.
//   New copies are made before old ones go, so a network that stays allowed never loses access.
// - Hosts the user chose (an address, a pattern such as '10.1.%', an address/netmask): kept as
//   they are when every address they match lies inside an allowed network. Otherwise (host names,
//   which are never resolved; 'localhost'; IPv6; patterns no network provably covers) the agent
//   locks the account (ALTER USER ... ACCOUNT LOCK), losing nothing, and unlocks it when the
//   networks allow it again or are cleared. It only lifts locks it placed itself.
// - A network whose host form is exactly the host of an account the user chose for the same name
//   is left out of that user@'%''s copies (the chosen account decides there). If no network is
//   left, user@'%' stays, locked.
// - Durability: agent-state.ts records the networks, which accounts are copies of which user@'%'
//   and which locks the agent placed. A change writes the record first with old and new together,
//   then runs the SQL, then writes the final record; syncAccess is idempotent, and configure and
//   every start run it, so a change cut short by a crash is finished by the next one.
// - Limit: root@'%' holds CREATE USER, so it can create an account for any host or unlock one
//   behind the agent's back; the next configure or start brings it under the rule again. A
//   network fence (../common/firewall.ts) is the stronger tool where the host has nftables.
//
// This file is the pure part (networks, host containment, the plan); access-sync.ts runs it.
import { isIP } from "node:net";
import { checkCidr } from "../../../../services/platform/cidr.js";
import { DatastorePreconditionError, DatastoreSpecError } from "../errors.js";
import type { AccessRecord } from "./agent-state.js";
import { sameAccount, type AccountRef } from "./catalog.js";

/** An account as the plan sees it. */
export interface AccountState extends AccountRef {
  locked: boolean;
}

interface Range {
  first: number;
  last: number;
}

/** Checks the CIDRs and returns each one's account host form, in order, without duplicates. */
export function networkHosts(cidrs: readonly string[]): string[] {
  const hosts: string[] = [];
  for (const cidr of cidrs) {
    const problem = checkCidr(cidr);
    if (problem) throw new DatastoreSpecError(`allowedCidrs: ${problem}`);
    const [address = "", prefixText = ""] = cidr.split("/");
    if (isIP(address) !== 4) {
      throw new DatastorePreconditionError(
        `allowed CIDR ${cidr} is IPv6: MariaDB account hosts can only express IPv4 networks (address/netmask), so it cannot be enforced`,
      );
    }
    const prefix = Number(prefixText);
    const halves = prefix === 0 ? [`0.0.0.0/128.0.0.0`, `128.0.0.0/128.0.0.0`] : [`${address}/${dotted(maskOf(prefix))}`];
    for (const host of halves) if (!hosts.includes(host)) hosts.push(host);
  }
  return hosts;
}

/**
 * True when every client address `host` matches lies inside one of the networks. Only forms the
 * agent can read count: an IPv4 address, an octet-aligned pattern ('10.1.%'), address/netmask
 * with a contiguous mask. Anything else (names, 'localhost', '%', IPv6, other patterns) is not.
 */
export function hostInside(host: string, cidrs: readonly string[]): boolean {
  const range = hostRange(host);
  if (!range) return false;
  return cidrs.some((cidr) => {
    const [address = "", prefixText = ""] = cidr.split("/");
    const start = parseIpv4(address);
    if (start === undefined) return false;
    const size = 2 ** (32 - Number(prefixText));
    return range.first >= start && range.last <= start + size - 1;
  });
}

/** The addresses an account host matches, when it is a form hostInside reads. */
function hostRange(host: string): Range | undefined {
  const single = parseIpv4(host);
  if (single !== undefined) return { first: single, last: single };
  const pattern = /^((?:\d{1,3}\.){1,3})%$/.exec(host);
  if (pattern) {
    const octets = (pattern[1] ?? "").slice(0, -1).split(".");
    const first = parseIpv4([...octets, ...Array<string>(4 - octets.length).fill("0")].join("."));
    return first === undefined ? undefined : { first, last: first + 2 ** (8 * (4 - octets.length)) - 1 };
  }
  const [address = "", mask = ""] = host.split("/");
  const network = parseIpv4(address);
  const bits = parseIpv4(mask);
  if (network === undefined || bits === undefined || !host.includes("/")) return undefined;
  const size = 2 ** 32 - bits;
  if (bits === 0 || (size & (size - 1)) !== 0 || network % size !== 0) return undefined; // not contiguous, or host bits set
  return { first: network, last: network + size - 1 };
}

function parseIpv4(text: string): number | undefined {
  if (isIP(text) !== 4) return undefined;
  return text.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : 2 ** 32 - 2 ** (32 - prefix);
}

function dotted(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** The hosts a logical user@'%' has as copies, per the record. */
export function copyHosts(record: AccessRecord, user: string): string[] {
  return record.expanded.find((e) => e.user === user)?.hosts ?? [];
}

/** Whether user@host is one of the copies standing for user@'%'. */
export function isCopy(record: AccessRecord, user: string, host: string): boolean {
  return copyHosts(record, user).some((h) => h.toLowerCase() === host.toLowerCase());
}

/** The host an API caller knows an account by: '%' for the copies of user@'%'. */
export function logicalHost(record: AccessRecord, account: AccountRef): string {
  return account.host === "%" || isCopy(record, account.user, account.host) ? "%" : account.host;
}

/**
 * The accounts standing for the logical account user@host: user@'%' and its copies for '%', the
 * account itself otherwise (a copy's own host names nothing: it is part of user@'%').
 */
export function concreteAccounts<T extends AccountRef>(accounts: readonly T[], record: AccessRecord, user: string, host: string): T[] {
  const mine = accounts.filter((a) => a.user === user);
  if (host === "%") return mine.filter((a) => a.host === "%" || isCopy(record, user, a.host));
  if (isCopy(record, user, host)) return [];
  return mine.filter((a) => sameAccount(a, user, host));
}

/** The hosts a new logical account user@host gets: one per network for '%' while networks are set. */
export function targetHosts(record: AccessRecord, host: string): string[] {
  return host === "%" && record.cidrs.length > 0 ? networkHosts(record.cidrs) : [host];
}

/** Whether an account the user chose must be locked under the record's networks. */
export function mustLock(record: AccessRecord, account: AccountRef): boolean {
  return record.cidrs.length > 0 && !isCopy(record, account.user, account.host) && !hostInside(account.host, record.cidrs);
}

/** Whether the record says the agent locked this account. */
export function lockedByAgent(record: AccessRecord, account: AccountRef): boolean {
  return record.locked.some((l) => sameAccount(l, account.user, account.host));
}

/** What syncAccess does, in this order: copy, lock, unlock, drop; and the records around it. */
export interface AccessPlan {
  copies: Array<{ from: AccountRef; hosts: string[] }>;
  locks: AccountRef[];
  unlocks: AccountRef[];
  drops: AccountRef[];
  /** Written before the SQL: old and new copies and every lock about to be placed, so a crash loses nothing. */
  interim: AccessRecord;
  /** Written after it. */
  final: AccessRecord;
}

/** An account as it will be once the plan ran: locked or not, by the agent or not, a copy of user@'%' or not. */
interface Outcome extends AccountState {
  ours: boolean;
  copy: boolean;
}

/**
 * Plans bringing the subject accounts (see the header) under `cidrs`, from the record of what the
 * agent did before. Pure; a plan with no SQL when everything is in order.
 */
export function planAccess(accounts: readonly AccountState[], record: AccessRecord, cidrs: readonly string[]): AccessPlan {
  const networks = networkHosts(cidrs);
  const plan: AccessPlan = {
    copies: [],
    locks: [],
    unlocks: [],
    drops: [],
    interim: { cidrs: [...cidrs], expanded: [], locked: [] },
    final: { cidrs: [...cidrs], expanded: [], locked: [] },
  };
  const outcomes: Outcome[] = [];
  const isLogical = (a: AccountRef): boolean => a.host === "%" || isCopy(record, a.user, a.host);

  for (const user of new Set(accounts.filter(isLogical).map((a) => a.user))) {
    const concrete = concreteAccounts(accounts, record, user, "%");
    const chosen = accounts.filter((a) => a.user === user && !concrete.includes(a));
    const free = networks.filter((h) => !chosen.some((c) => sameAccount(c, user, h)));
    const desired = free.length === 0 ? ["%"] : free; // no networks, or all taken: user@'%' itself
    const source = concrete.find((a) => a.host === "%") ?? concrete[0]!;
    const missing = desired.filter((h) => !concrete.some((c) => sameAccount(c, user, h)));
    if (missing.length > 0) plan.copies.push({ from: source, hosts: missing });
    for (const c of concrete) if (!desired.some((h) => sameAccount(c, user, h))) plan.drops.push(c);
    const copies = desired.filter((h) => h !== "%");
    const all = [...new Set([...concrete.map((c) => c.host), ...copies])].filter((h) => h !== "%");
    if (all.length > 0) plan.interim.expanded.push({ user, hosts: all });
    if (copies.length > 0) plan.final.expanded.push({ user, hosts: copies });
    for (const host of desired) {
      const from = concrete.find((c) => sameAccount(c, user, host)) ?? source; // a new copy inherits its source's lock
      outcomes.push({ user, host, locked: from.locked, ours: lockedByAgent(record, from), copy: host !== "%" });
    }
  }
  for (const a of accounts) if (!isLogical(a)) outcomes.push({ ...a, ours: lockedByAgent(record, a), copy: false });

  for (const a of outcomes) {
    const ref = { user: a.user, host: a.host };
    const lock = networks.length > 0 && !a.copy && !hostInside(a.host, cidrs);
    if (lock && (!a.locked || a.ours)) {
      if (!a.locked) plan.locks.push(ref);
      plan.interim.locked.push(ref);
      plan.final.locked.push(ref);
    } else if (!lock && a.locked && a.ours) {
      plan.unlocks.push(ref);
      plan.interim.locked.push(ref);
    }
  }
  return plan;
}

/** True when the plan changes no account (the records may still differ). */
export function planIsEmpty(plan: AccessPlan): boolean {
  return plan.locks.length + plan.copies.length + plan.unlocks.length + plan.drops.length === 0;
}

/** Records `hosts` as copies of user@'%' (added to those already recorded: a crash must not orphan any). */
export function recordCopies(record: AccessRecord, user: string, hosts: readonly string[]): void {
  const copies = hosts.filter((h) => h !== "%");
  if (copies.length === 0) return;
  const entry = record.expanded.find((e) => e.user === user);
  if (entry) entry.hosts = [...new Set([...entry.hosts, ...copies])];
  else record.expanded.push({ user, hosts: [...copies] });
}

/** Forgets the copies of user@'%' (it is gone, renamed, or no longer '%'). */
export function forgetCopies(record: AccessRecord, user: string): void {
  record.expanded = record.expanded.filter((e) => e.user !== user);
}

/** Records that the agent locked (or is about to lock) an account. */
export function recordLock(record: AccessRecord, account: AccountRef): void {
  if (!lockedByAgent(record, account)) record.locked.push({ user: account.user, host: account.host });
}

/** Forgets the agent's locks of these accounts (dropped or renamed). */
export function forgetLocks(record: AccessRecord, accounts: readonly AccountRef[]): void {
  record.locked = record.locked.filter((l) => !accounts.some((a) => sameAccount(a, l.user, l.host)));
}
