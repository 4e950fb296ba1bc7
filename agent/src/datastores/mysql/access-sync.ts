// Runs access.ts's plan against the server: record first, SQL, record again (see the header of
// access.ts for why in that order), and the account copies it needs, made from the server's own
// SHOW CREATE USER and SHOW GRANTS so a copy has whatever the original has.
import { DatastoreEngineError } from "../errors.js";
import { readAgentState, writeAgentState, type AccessRecord } from "./agent-state.js";
import { planAccess, planIsEmpty, type AccountState } from "./access.js";
import { readCatalog, type Catalog, type AccountRef } from "./catalog.js";
import { runSql } from "./client.js";
import type { InstanceContext } from "./context.js";
import * as q from "./queries.js";
import { account } from "./sql.js";

/**
 * Brings the accounts under `cidrs` (default: the recorded ones) and records it. Cheap when there
 * is nothing to enforce or undo (no SQL at all), one catalog read when everything is in order.
 */
export async function syncAccess(ctx: InstanceContext, signal: AbortSignal, cidrs?: readonly string[]): Promise<void> {
  const state = await readAgentState(ctx);
  const record = state.access;
  const wanted = [...(cidrs ?? record.cidrs)];
  if (wanted.length === 0 && record.cidrs.length === 0 && record.expanded.length === 0 && record.locked.length === 0) return;
  const catalog = await readCatalog(ctx, signal);
  const plan = planAccess(subjectAccounts(ctx, catalog), record, wanted);
  if (planIsEmpty(plan) && sameRecord(plan.final, record)) return;

  await writeAgentState(ctx, { ...state, access: plan.interim });
  const copies = await copyStatements(
    ctx,
    plan.copies.flatMap(({ from, hosts }) => hosts.map((host) => ({ from, host }))),
    signal,
  );
  const statements = [
    ...copies.statements,
    ...plan.locks.map((a) => q.setAccountLock(a.user, a.host, true)),
    ...plan.unlocks.map((a) => q.setAccountLock(a.user, a.host, false)),
    ...plan.drops.map((a) => q.dropUser(a.user, a.host, true)),
  ];
  if (statements.length > 0) await runSql(ctx, statements.join("\n"), { signal, secrets: copies.secrets });
  await writeAgentState(ctx, { ...state, access: plan.final });
  ctx.logger.info(
    { cidrs: wanted.length, copies: copies.statements.length > 0 ? plan.copies.length : 0, locks: plan.locks.length, unlocks: plan.unlocks.length, drops: plan.drops.length },
    "account access brought in line with the allowed networks",
  );
}

/** The accounts the allowed networks apply to (access.ts): not root@localhost, system or hoard* accounts. */
export function subjectAccounts(ctx: InstanceContext, catalog: Catalog): AccountState[] {
  const hidden = new Set(ctx.flavor.hiddenAccounts.map((u) => u.toLowerCase()));
  return catalog.accounts.filter((a) => {
    const user = a.user.toLowerCase();
    return !hidden.has(user) && !user.startsWith("hoard") && !(user === "root" && a.host.toLowerCase() === "localhost");
  });
}

/**
 * CREATE USER and GRANT statements giving `host` a copy of `from` (same user name) for each job,
 * built from SHOW CREATE USER and SHOW GRANTS with the account name swapped; `secrets` holds the
 * password hashes they carry, to keep out of errors.
 */
export async function copyStatements(
  ctx: InstanceContext,
  jobs: ReadonlyArray<{ from: AccountRef; host: string }>,
  signal: AbortSignal,
): Promise<{ statements: string[]; secrets: string[] }> {
  if (jobs.length === 0) return { statements: [], secrets: [] };
  const sources = [...new Map(jobs.map((j) => [`${j.from.user}@${j.from.host}`, j.from])).values()];
  const rows = await runSql(ctx, sources.map((s) => q.showAccount(s.user, s.host)).join("\n"), { signal });
  const shown = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const row of rows) {
    if (row.length === 3 && row[0] === "account") shown.set(`${row[1]}@${row[2]}`, (current = []));
    else if (current && row[0] !== undefined) current.push(row[0]);
  }
  const statements: string[] = [];
  const secrets = new Set<string>();
  for (const { from, host } of jobs) {
    const lines = shown.get(`${from.user}@${from.host}`) ?? [];
    for (const line of lines) for (const hash of line.matchAll(/'([^']{8,})'/g)) secrets.add(hash[1] ?? "");
    statements.push(...retarget(lines, from, host));
  }
  return { statements, secrets: [...secrets] };
}

/** SHOW CREATE USER + SHOW GRANTS lines of `from`, rewritten for user@host. */
function retarget(lines: readonly string[], from: AccountRef, host: string): string[] {
  const oldName = account(from.user, from.host);
  const newName = account(from.user, host);
  const [create, ...grants] = lines;
  if (!create?.startsWith(`CREATE USER ${oldName}`)) {
    throw new DatastoreEngineError(`cannot copy account ${from.user}@${from.host}: SHOW CREATE USER answered in an unexpected form`);
  }
  const out = [`CREATE USER ${newName}${create.slice(`CREATE USER ${oldName}`.length)};`];
  for (const grant of grants) {
    // The grantee is the last occurrence: "GRANT ... TO <acct> [IDENTIFIED ...] [WITH ...]", "SET DEFAULT ROLE r FOR <acct>".
    const at = Math.max(grant.lastIndexOf(` TO ${oldName}`), grant.lastIndexOf(` FOR ${oldName}`));
    if (at < 0) throw new DatastoreEngineError(`cannot copy account ${from.user}@${from.host}: a grant does not name it`);
    const keyword = grant.startsWith(` TO `, at) ? " TO " : " FOR ";
    out.push(`${grant.slice(0, at)}${keyword}${newName}${grant.slice(at + keyword.length + oldName.length)};`);
  }
  return out;
}

function sameRecord(a: AccessRecord, b: AccessRecord): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
