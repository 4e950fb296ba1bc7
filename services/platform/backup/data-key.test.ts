import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../config.js";
import { loadMasterKey, masterKeyId, newDataKey, unwrapDataKey, wrapDataKey } from "./data-key.js";
import { BackupCorruptError, BackupKeyError } from "./errors.js";

describe("data keys", () => {
  const master = randomBytes(32);

  it("wraps and unwraps; each backup gets a different key, each wrap a different text", () => {
    const dataKey = newDataKey();
    expect(dataKey.length).toBe(32);
    expect(newDataKey().equals(dataKey)).toBe(false);
    const wrapped = wrapDataKey(master, dataKey);
    expect(wrapped).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(wrapDataKey(master, dataKey)).not.toBe(wrapped);
    expect(unwrapDataKey(master, wrapped).equals(dataKey)).toBe(true);
  });

  it("names both master keys when unwrapped with another one", () => {
    const other = randomBytes(32);
    const wrapped = wrapDataKey(master, newDataKey());
    expect(() => unwrapDataKey(other, wrapped)).toThrow(BackupKeyError);
    expect(() => unwrapDataKey(other, wrapped)).toThrow(`master key ${masterKeyId(master)}, but the configured master key (HOARD_BACKUP_KEY or backup.key) is ${masterKeyId(other)}`);
  });

  it("refuses a damaged wrapped key", () => {
    const raw = Buffer.from(wrapDataKey(master, newDataKey()), "base64");
    for (const i of [0, 10, 30, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[i] = (bad[i] as number) ^ 0x80;
      expect(() => unwrapDataKey(master, bad.toString("base64")), `byte ${i}`).toThrow(i === 0 ? BackupCorruptError : i < 9 ? BackupKeyError : BackupCorruptError);
    }
    expect(() => unwrapDataKey(master, "not a key")).toThrow(BackupCorruptError);
  });
});

describe("loadMasterKey", () => {
  const homes: string[] = [];
  const home = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hoard-backup-key-"));
    homes.push(dir);
    return dir;
  };
  afterEach(() => homes.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it("creates $HOARD_HOME/backup.key 0600 on first use and reads the same key after", () => {
    const dir = path.join(home(), "nested");
    const key = loadMasterKey(dir, {});
    expect(key.length).toBe(32);
    expect(fs.statSync(path.join(dir, "backup.key")).mode & 0o777).toBe(0o600);
    expect(loadMasterKey(dir, {}).equals(key)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(["backup.key"]); // no temporaries left behind
  });

  it("prefers HOARD_BACKUP_KEY and creates no file then", () => {
    const dir = home();
    const key = randomBytes(32);
    expect(loadMasterKey(dir, { HOARD_BACKUP_KEY: key.toString("base64") }).equals(key)).toBe(true);
    expect(fs.existsSync(path.join(dir, "backup.key"))).toBe(false);
    expect(loadMasterKey(dir, { HOARD_BACKUP_KEY: key.toString("base64url") }).equals(key)).toBe(true);
  });

  it.each([
    ["too short", randomBytes(16).toString("base64")],
    ["not base64", "this is not base64 at all, not at all, not at all!"],
    ["a typo inside", `${randomBytes(32).toString("base64").slice(0, 20)}*${randomBytes(32).toString("base64").slice(21)}`],
  ])("refuses a key that is %s, naming the variable", (_what, value) => {
    expect(() => loadMasterKey(home(), { HOARD_BACKUP_KEY: value })).toThrow(ConfigError);
    expect(() => loadMasterKey(home(), { HOARD_BACKUP_KEY: value })).toThrow(/^HOARD_BACKUP_KEY must hold/);
  });

  it("refuses a damaged key file, naming it", () => {
    const dir = home();
    fs.writeFileSync(path.join(dir, "backup.key"), "");
    expect(() => loadMasterKey(dir, {})).toThrow(`${path.join(dir, "backup.key")} must hold a base64-encoded 32-byte key`);
  });

  it("gives processes starting together one and the same key", async () => {
    const dir = home();
    const script = `import { loadMasterKey } from ${JSON.stringify(path.join(import.meta.dirname, "data-key.ts"))};
process.stdout.write(loadMasterKey(${JSON.stringify(dir)}, {}).toString("hex"));`;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.once("error", reject);
        child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
      });
    const keys = await Promise.all(Array.from({ length: 6 }, run));
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toBe(loadMasterKey(dir, {}).toString("hex"));
  });
});
