// Backup chains: an incremental backup holds only what changed since its parent, so restoring it
// means restoring its full backup and then every increment up to it, in order. These pure rules
// walk parentId links (the walk itself: store/backup-chain.ts), and are shared by the gateway
// (restores, cascading deletes) and the taskmanager (the restore's object list, retention).
import { FailedPreconditionError } from "./errors.js";

/** What chain walking needs of a backup. */
export interface ChainLink {
  id: string;
  name: string;
  state: string;
  parentId: string | null;
}

/**
 * The chain ending at `leaf`: its full backup first, then each incremental oldest first, `leaf`
 * last. `parentOf` reads a backup by id (null when there is none). A parent that is gone, or a
 * loop, is a broken chain: FailedPreconditionError naming the backup whose parent is missing.
 */
export async function walkChain<T extends ChainLink>(leaf: T, parentOf: (id: string) => Promise<T | null>): Promise<T[]> {
  const chain = [leaf];
  const seen = new Set([leaf.id]);
  for (let at = leaf; at.parentId !== null; ) {
    const parent = await parentOf(at.parentId);
    if (!parent || seen.has(parent.id)) throw new FailedPreconditionError(`backup "${at.name}" has lost its parent backup: its chain is broken`);
    seen.add(parent.id);
    chain.push(parent);
    at = parent;
  }
  return chain.reverse();
}

/** Why `chain` cannot be restored (a backup in it is not COMPLETED), or undefined when it can. */
export function chainRestoreProblem(chain: readonly ChainLink[]): string | undefined {
  const leaf = chain[chain.length - 1];
  const bad = chain.find((b) => b.state !== "COMPLETED");
  if (!bad || !leaf) return undefined;
  if (bad.id === leaf.id) return `backup "${bad.name}" is ${bad.state}, not COMPLETED`;
  return `backup "${leaf.name}" builds on backup "${bad.name}", which is ${bad.state}, not COMPLETED`;
}

/**
 * Every backup built on `rootId`, directly or not, among `backups` (which must hold all of them:
 * a chain never leaves its instance), deepest first so each is deleted before its parent.
 */
export function descendantsDeepestFirst<T extends ChainLink>(rootId: string, backups: readonly T[]): T[] {
  const children = new Map<string, T[]>();
  for (const b of backups) if (b.parentId !== null) children.set(b.parentId, [...(children.get(b.parentId) ?? []), b]);
  const levels: T[][] = [];
  const seen = new Set([rootId]);
  for (let level = children.get(rootId) ?? []; level.length > 0; ) {
    const fresh = level.filter((b) => !seen.has(b.id));
    for (const b of fresh) seen.add(b.id);
    if (fresh.length === 0) break;
    levels.push(fresh);
    level = fresh.flatMap((b) => children.get(b.id) ?? []);
  }
  return levels.reverse().flat();
}
