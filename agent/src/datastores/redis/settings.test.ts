// redis.conf sizing and rendering, and the ACL text helpers: pure rules, table-tested.
import { describe, expect, it } from "vitest";
import { DatastoreSpecError } from "../errors.js";
import type { InstanceLayout } from "../manager.js";
import { FULL_RIGHTS, USER_RULES, passwordHash, redact, renderAclFile, rulesOfAclLine } from "./acl.js";
import { resolvePaths } from "./paths.js";
import { CONFIG_HEADER, deriveMemorySettings, deriveSettings, quoteArg, renderConfig } from "./settings.js";

const layout: InstanceLayout = {
  instanceId: "i1",
  root: "/srv/hoard/i1",
  dataDir: "/srv/hoard/i1/volume/data",
  runDir: "/run/hoard/i1",
  logDir: "/srv/hoard/i1/log",
  host: "127.10.0.3",
  port: 6379,
  runAs: undefined,
  binDir: "/usr/bin",
  cacheDir: "/srv/hoard/cache",
};

describe("deriveMemorySettings", () => {
  it.each([
    [64, 1, "48mb", undefined],
    [512, 2, "384mb", undefined],
    [1000, 2, "750mb", undefined],
    [4096, 4, "3072mb", 2],
    [16384, 8, "12288mb", 6],
    [65536, 32, "49152mb", 6],
  ])("%i MiB, %i vCPUs -> maxmemory %s, io-threads %s", (ramMb, vcpus, maxmemory, ioThreads) => {
    const settings = new Map(deriveMemorySettings(ramMb, vcpus).map(([name, ...args]) => [name, args]));
    expect(settings.get("maxmemory")).toEqual([maxmemory]);
    expect(settings.get("maxmemory-policy")).toEqual(["noeviction"]);
    expect(settings.get("io-threads")).toEqual(ioThreads === undefined ? undefined : [ioThreads]);
  });

  it("refuses flavors Redis cannot live in", () => {
    expect(() => deriveMemorySettings(63, 1)).toThrow(DatastoreSpecError);
    expect(() => deriveMemorySettings(512.5, 1)).toThrow(DatastoreSpecError);
    expect(() => deriveMemorySettings(512, 0)).toThrow(DatastoreSpecError);
  });
});

describe("renderConfig", () => {
  it("writes one directive a line under the header, quoting what needs it", () => {
    const text = renderConfig(deriveSettings({ ramMb: 512, vcpus: 2 }, layout, resolvePaths(layout)));
    const lines = text.split("\n");
    expect(lines[0]).toBe(CONFIG_HEADER);
    for (const line of [
      "bind 127.10.0.3",
      "port 6379",
      "unixsocket /run/hoard/i1/redis.sock",
      "unixsocketperm 700",
      "dir /srv/hoard/i1/volume/data",
      "aclfile /srv/hoard/i1/volume/data/users.acl",
      "logfile /srv/hoard/i1/log/redis.log",
      'save "3600 1 300 100 60 10000"',
      "appendonly yes",
      "appendfsync everysec",
      "maxmemory 384mb",
      "protected-mode yes",
    ]) {
      expect(lines).toContain(line);
    }
  });

  it("quotes spaces, quotes and backslashes the way redis.conf reads them", () => {
    expect(quoteArg("/plain/path-1.x")).toBe("/plain/path-1.x");
    expect(quoteArg('a "b" c\\d')).toBe('"a \\"b\\" c\\\\d"');
    expect(quoteArg("")).toBe('""');
  });
});

describe("ACL helpers", () => {
  it("writes only password hashes into the first ACL file, root off", () => {
    const text = renderAclFile({ name: "hoard-admin", password: "admin-pw" }, [{ name: "app", password: "app pw" }]);
    expect(text).not.toMatch(/admin-pw|app pw/);
    const lines = text.trim().split("\n");
    expect(lines[0]).toMatch(/^user default reset off #[0-9a-f]{64}$/);
    expect(lines[1]).toBe(`user hoard-admin on #${passwordHash("admin-pw")} ${FULL_RIGHTS.join(" ")}`);
    expect(lines[2]).toBe(`user app on #${passwordHash("app pw")} ${USER_RULES.join(" ")}`);
  });

  it("hashes passwords as Redis does (SHA-256, hex)", () => {
    expect(passwordHash("foobar")).toBe("c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2");
  });

  it("splits ACL LIST lines into SETUSER rules, selectors whole", () => {
    expect(rulesOfAclLine("user app on #abc ~* &* +@all -@admin (~tmp:* +get) resetchannels")).toEqual({
      name: "app",
      rules: ["on", "#abc", "~*", "&*", "+@all", "-@admin", "(~tmp:* +get)", "resetchannels"],
    });
    expect(rulesOfAclLine("not a user line")).toBeUndefined();
  });

  it("redacts passwords and their hashes from server messages", () => {
    const message = `ERR Error in ACL SETUSER modifier '>hunter2 x': bad; '#${passwordHash("hunter2 x")}'`;
    expect(redact(message, ["hunter2 x"])).toBe("ERR Error in ACL SETUSER modifier '>[redacted]': bad; '#[redacted]'");
  });
});
