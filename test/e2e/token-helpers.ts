// Tokens in e2e tests: letting a real token's expiry pass without waiting for it.
import path from "node:path";
import { createDb } from "../../services/platform/db/index.js";
import { hashToken } from "../../services/platform/tokens.js";
import type { Stack } from "./harness.js";

/** Moves `token`'s expiry into the past in the stack's database (rather than waiting HOARD_TOKEN_TTL_SECONDS). */
export async function expireToken(stack: Stack, token: string): Promise<void> {
  const db = createDb(`file:${path.join(stack.home, "hoard.db")}`);
  try {
    await db.apiToken.update({ where: { tokenHash: hashToken(token) }, data: { expiresAt: new Date(Date.now() - 1000) } });
  } finally {
    await db.$disconnect();
  }
}
