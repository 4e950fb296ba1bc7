import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DatastoreSpecError } from "../errors.js";
import type { InstanceLayout } from "../manager.js";
import { renderIdent, renderSettings } from "./config-files.js";
import { renderHba } from "./hba.js";
import { adjustSwitches, logsEnabled, switchSettings } from "./log-switches.js";
import { AGENT_OWNED_PARAMETERS, checkParameters } from "./parameters.js";
import { deriveArchiveSettings, deriveFlavorSettings, deriveLogSettings, deriveNetworkSettings, deriveSettings } from "./settings.js";
import { checkServerSettings } from "./spec-checks.js";

describe("deriveFlavorSettings", () => {
  it.each([
    // ramMb, vcpus, max_connections, shared_buffers, effective_cache_size, work_mem, maintenance_work_mem, per-gather
    [128, 1, 20, "32MB", "96MB", "1638kB", "16MB", 0],
    [512, 1, 50, "128MB", "384MB", "2621kB", "32MB", 0],
    [1024, 2, 100, "256MB", "768MB", "2621kB", "64MB", 1],
    [4096, 4, 100, "1024MB", "3072MB", "10485kB", "256MB", 2],
    [65536, 16, 100, "16384MB", "49152MB", "167772kB", "2048MB", 4],
  ])("%i MiB, %i vCPU", (ramMb, vcpus, connections, shared, cache, work, maintenance, perGather) => {
    const settings = Object.fromEntries(deriveFlavorSettings(ramMb, vcpus));
    expect(settings).toMatchObject({
      max_connections: connections,
      shared_buffers: shared,
      effective_cache_size: cache,
      work_mem: work,
      maintenance_work_mem: maintenance,
      max_parallel_workers: vcpus,
      max_parallel_workers_per_gather: perGather,
    });
  });

  it("refuses flavors PostgreSQL cannot run in", () => {
    expect(() => deriveFlavorSettings(64, 1)).toThrow(DatastoreSpecError);
    expect(() => deriveFlavorSettings(1024, 0)).toThrow(DatastoreSpecError);
    expect(() => deriveFlavorSettings(1024.5, 1)).toThrow(DatastoreSpecError);
  });
});

describe("hoard.conf, pg_hba.conf, pg_ident.conf", () => {
  const layout: InstanceLayout = {
    instanceId: "i-1",
    root: "/srv/hoard/i-1",
    dataDir: "/srv/hoard/i-1/volume/data",
    runDir: "/run/hoard/i-1",
    logDir: "/srv/hoard/i-1/log",
    host: "127.10.0.3",
    port: 5432,
    runAs: undefined,
    binDir: "/usr/lib/postgresql/15/bin",
    cacheDir: "/srv/hoard/cache",
  };

  it("writes the layout's network and log settings, quoting strings", () => {
    const text = renderSettings(deriveSettings({ ramMb: 1024, vcpus: 2, parameters: {} }, layout));
    expect(text).toContain("listen_addresses = '127.10.0.3'\n");
    expect(text).toContain("port = 5432\n");
    expect(text).toContain("unix_socket_directories = '/run/hoard/i-1'\n");
    expect(text).toContain("log_directory = '/srv/hoard/i-1/log'\n");
    expect(text).toContain("logging_collector = on\n");
    expect(text).toContain("archive_mode = on\n");
    expect(text).toContain("recovery_init_sync_method = 'syncfs'\n");
    expect(text).toContain("archive_command = 'd=''/srv/hoard/i-1/volume/wal-spool''; [ -d \"$d\" ]");
    expect(renderSettings([["x", "it's"]])).toContain("x = 'it''s'\n");
    expect(renderSettings([["x", "a\\b"]])).toContain("x = 'a\\\\b'\n"); // PostgreSQL reads \\ as one backslash
  });

  it("lets parameters replace flavor-derived values in place, and log switches replace parameters", () => {
    const settings = deriveSettings(
      { ramMb: 1024, vcpus: 2, parameters: { WORK_MEM: "4096", log_statement: "ddl", jit: "off" } },
      layout,
      { general: true },
    );
    const names = settings.map(([name]) => name);
    expect(names.filter((name) => name === "work_mem")).toHaveLength(1);
    expect(names.indexOf("work_mem")).toBe(names.indexOf("effective_cache_size") + 1); // where the flavor put it
    const text = renderSettings(settings);
    expect(text).toContain("work_mem = '4096'\n");
    expect(text).toContain("jit = 'off'\n");
    expect(text).toContain("log_statement = 'all'\n");
    expect(text).not.toContain("'ddl'");
    expect(text).toContain("log_filename = 'postgresql-%Y%m%d-%H%M%S.log'\n");
  });

  const rulesOf = (text: string): string[] =>
    text
      .split("\n")
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => line.split(/\s+/).join(" "));

  it("requires SCRAM over TCP, keeps the superuser off TCP and peer-maps it locally", () => {
    const rules = rulesOf(renderHba([]));
    expect(rules).toEqual([
      "local all postgres peer map=hoard-admin",
      "local replication postgres peer map=hoard-admin",
      "local all all scram-sha-256",
      "host all postgres 0.0.0.0/0 reject",
      "host all postgres ::/0 reject",
      "host all all 0.0.0.0/0 scram-sha-256",
      "host all all ::/0 scram-sha-256",
    ]);
    expect(renderIdent(["root", "postgres"])).toContain("hoard-admin  root  postgres\nhoard-admin  postgres  postgres\n");
  });
});

describe("allowed CIDRs", () => {
  it("narrows the host lines to the CIDRs and keeps the superuser's rules", () => {
    const rules = renderHba(["10.0.0.0/8", "2001:db8::/32", "10.0.0.0/8"])
      .split("\n")
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => line.split(/\s+/).join(" "));
    expect(rules).toEqual([
      "local all postgres peer map=hoard-admin",
      "local replication postgres peer map=hoard-admin",
      "local all all scram-sha-256",
      "host all postgres 0.0.0.0/0 reject",
      "host all postgres ::/0 reject",
      "host all all 10.0.0.0/8 scram-sha-256",
      "host all all 2001:db8::/32 scram-sha-256",
    ]);
  });

  it("refuses what is not a CIDR before anything is written", () => {
    const settings = { ramMb: 512, vcpus: 1, parameters: {} };
    for (const bad of ["10.0.0.0", "10.0.0.1/8", "10.0.0.0/33", "all", "samenet", "10.0.0.0/8 trust", "::ffff:1.2.3.0/120", ""]) {
      expect(() => checkServerSettings({ ...settings, allowedCidrs: [bad] }), bad).toThrow(DatastoreSpecError);
    }
    expect(() => checkServerSettings({ ...settings, allowedCidrs: ["192.168.1.0/24", "fd00::/8", "0.0.0.0/0"] })).not.toThrow();
  });
});

describe("archive_command", () => {
  const root = mkdtempSync(join(tmpdir(), "hoard-archive-command-"));
  const layout = { dataDir: join(root, "it's volume", "data"), runDir: "/r", logDir: "/l", binDir: "/b" } as InstanceLayout;
  const command = String(Object.fromEntries(deriveArchiveSettings(layout)).archive_command);
  const spool = join(root, "it's volume", "wal-spool");
  /** Runs it as PostgreSQL does: %p relative to the data directory, which is the working directory. */
  const archive = (name: string, content: string): number => {
    mkdirSync(join(layout.dataDir, "pg_wal"), { recursive: true });
    writeFileSync(join(layout.dataDir, "pg_wal", name), content);
    const run = spawnSync("/bin/sh", ["-c", command.replaceAll("%p", `pg_wal/${name}`).replaceAll("%f", name)], { cwd: layout.dataDir });
    return run.status ?? -1;
  };
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("keeps nothing (and succeeds) while the instance has no spool directory", () => {
    expect(archive("000000010000000000000001", "one")).toBe(0);
    expect(existsSync(spool)).toBe(false);
  });

  it("copies into the spool under the file's name, leaving no temporary behind", () => {
    mkdirSync(spool);
    expect(archive("000000010000000000000002", "two")).toBe(0);
    expect(readdirSync(spool)).toEqual(["000000010000000000000002"]);
    expect(readFileSync(join(spool, "000000010000000000000002"), "utf8")).toBe("two");
  });

  it("accepts a repeat with the same bytes and refuses one with other bytes", () => {
    expect(archive("000000010000000000000002", "two")).toBe(0);
    expect(archive("000000010000000000000002", "changed")).not.toBe(0);
    expect(readFileSync(join(spool, "000000010000000000000002"), "utf8")).toBe("two");
  });
});

describe("parameters", () => {
  it("owns every setting the agent derives from the layout and for its logs", () => {
    const layout = { host: "127.0.0.1", port: 5432, runDir: "/r", logDir: "/l" } as InstanceLayout;
    for (const [name] of [...deriveNetworkSettings(layout), ...deriveLogSettings(layout)]) expect(AGENT_OWNED_PARAMETERS.has(name), name).toBe(true);
  });

  it("keeps WAL archiving the agent's: archive settings are refused, wal_level may only go up", () => {
    const refused: Array<Record<string, string>> = [{ archive_mode: "off" }, { archive_timeout: "0" }, { Archive_Command: "true" }, { recovery_target_time: "2026-01-01" }, { wal_level: "minimal" }];
    for (const bad of refused) {
      expect(() => checkParameters(bad), JSON.stringify(bad)).toThrow(DatastoreSpecError);
    }
    expect(() => checkParameters({ wal_level: "logical" })).not.toThrow();
  });

  it("refuses agent-owned and host-reaching names, directives and values that would break the file", () => {
    const refused: Array<Record<string, string>> = [{ port: "5433" }, { Log_Line_Prefix: "%m" }, { archive_command: "cp %p /tmp" }, { include: "/etc/passwd" }];
    for (const bad of refused) {
      expect(() => checkParameters(bad)).toThrow(DatastoreSpecError);
    }
    expect(() => checkParameters({ "work_mem = 1\nport": "1" })).toThrow(/not a PostgreSQL parameter name/);
    expect(() => checkParameters({ search_path: "a\nport = 1" })).toThrow(/line breaks/);
    expect(() => checkParameters({ work_mem: "4096", "auto_explain.log_min_duration": "250", search_path: "\"$user\", public" })).not.toThrow();
  });
});

describe("log switches", () => {
  it("turns the slow log on with the configuration's threshold or 1000 ms, and off with -1", () => {
    expect(switchSettings({ slow: true }, {})).toEqual([["log_min_duration_statement", "1000"]]);
    expect(switchSettings({ slow: true }, { log_min_duration_statement: "250" })).toEqual([["log_min_duration_statement", "250"]]);
    expect(switchSettings({ slow: true }, { log_min_duration_statement: "-1" })).toEqual([["log_min_duration_statement", "1000"]]);
    expect(switchSettings({ slow: false, general: true }, { log_min_duration_statement: "250" })).toEqual([
      ["log_min_duration_statement", "-1"],
      ["log_statement", "all"],
    ]);
    expect(switchSettings({}, { log_min_duration_statement: "250" })).toEqual([]);
  });

  it("reports a log enabled when the settings make the server write it", () => {
    expect(logsEnabled([])).toEqual({ slow: false, general: false });
    expect(logsEnabled([["log_min_duration_statement", "0"], ["log_statement", "ddl"]])).toEqual({ slow: true, general: true });
    expect(logsEnabled([["log_min_duration_statement", "2s"], ["log_min_duration_statement", "-1"], ["log_statement", "none"]])).toEqual({
      slow: false,
      general: false,
    });
  });

  it("gives a switch up when a configuration changes its parameter, and keeps it through a resize", () => {
    const params = { log_min_duration_statement: "500", work_mem: "4096" };
    expect(adjustSwitches({ slow: false, general: true }, params, { ...params, work_mem: "8192" })).toEqual({ slow: false, general: true });
    expect(adjustSwitches({ slow: false, general: true }, params, { ...params, log_min_duration_statement: "200" })).toEqual({ general: true });
    expect(adjustSwitches({ slow: false, general: true }, params, { work_mem: "4096", log_statement: "mod" })).toEqual({});
    expect(adjustSwitches({ slow: true }, undefined, {})).toEqual({});
  });
});
