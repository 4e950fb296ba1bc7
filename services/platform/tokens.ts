// API tokens: random, high-entropy bearer strings, stored only as SHA-256 hashes (a slow hash
// buys nothing for 256-bit random secrets and would slow every request).
import { createHash, randomBytes } from "node:crypto";

export const roles = ["admin", "member", "reader"] as const;
export type Role = (typeof roles)[number];

/** A new token to hand to a user once; only its hash is stored. */
export function newToken(): string {
  return `hoard_${randomBytes(32).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Roles from their stored, comma-separated form, in canonical order; unknown names are dropped. */
export function parseRoles(stored: string): Role[] {
  const set = new Set(stored.split(","));
  return roles.filter((r) => set.has(r));
}

/** Roles in their stored form: known names, each once, in canonical order. */
export function joinRoles(given: Iterable<string>): string {
  const set = new Set(given);
  return roles.filter((r) => set.has(r)).join(",");
}
