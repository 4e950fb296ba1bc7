import { describe, expect, it } from "vitest";
import { currentParams, hashPassword, needsRehash, verifyAgainstDecoy, verifyPassword } from "./passwords.js";

describe("password hashing", () => {
  it("verifies the right password and refuses others", async () => {
    const stored = await hashPassword("correct horse battery");
    expect(await verifyPassword("correct horse battery", stored)).toBe(true);
    expect(await verifyPassword("correct horse batterY", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
  });

  it("stores the parameters and a random salt, never the password", async () => {
    const a = await hashPassword("same-password");
    const b = await hashPassword("same-password");
    expect(a).toMatch(new RegExp(`^\\$scrypt\\$ln=${currentParams.ln},r=${currentParams.r},p=${currentParams.p}\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$`));
    expect(a).not.toBe(b);
    expect(a).not.toContain("same-password");
  });

  it("still verifies hashes made with older, cheaper parameters, and says they need a re-hash", async () => {
    const old = await hashPassword("legacy-pass", { ln: 10, r: 8, p: 1 });
    expect(await verifyPassword("legacy-pass", old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(await hashPassword("fresh-pass"))).toBe(false);
  });

  it("answers false for damaged or hostile stored values instead of throwing", async () => {
    const good = await hashPassword("pw-123456");
    expect(await verifyPassword("pw-123456", "")).toBe(false);
    expect(await verifyPassword("pw-123456", "plain-text-password")).toBe(false);
    expect(await verifyPassword("pw-123456", good.replace("ln=15", "ln=40"))).toBe(false);
    expect(await verifyPassword("pw-123456", good.slice(0, -10))).toBe(false);
    expect(needsRehash("garbage")).toBe(true);
  });

  it("compares Unicode passwords in one normal form", async () => {
    const stored = await hashPassword("caf\u00e9-secret");
    expect(await verifyPassword("cafe\u0301-secret", stored)).toBe(true);
  });

  it("spends real work on a decoy when the user does not exist", async () => {
    await verifyAgainstDecoy("warm-up"); // the first call also makes the decoy hash
    const started = performance.now();
    expect(await verifyAgainstDecoy("anything")).toBe(false);
    const decoyMs = performance.now() - started;
    const stored = await hashPassword("x-password");
    const t0 = performance.now();
    await verifyPassword("wrong", stored);
    const realMs = performance.now() - t0;
    // Same parameters, so comparable cost (generous bounds: the machine is shared).
    expect(decoyMs).toBeGreaterThan(realMs / 4);
    expect(decoyMs).toBeGreaterThan(5);
  });
});
