import { describe, expect, it } from "vitest";
import { DatastoreSpecError } from "../errors.js";
import type { InstanceLayout } from "../manager.js";
import { renderHba, renderIdent, renderSettings } from "./config-files.js";
import { deriveFlavorSettings, deriveSettings } from "./settings.js";

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
    const text = renderSettings(deriveSettings({ ramMb: 1024, vcpus: 2 }, layout));
    expect(text).toContain("listen_addresses = '127.10.0.3'\n");
    expect(text).toContain("port = 5432\n");
    expect(text).toContain("unix_socket_directories = '/run/hoard/i-1'\n");
    expect(text).toContain("log_directory = '/srv/hoard/i-1/log'\n");
    expect(text).toContain("logging_collector = on\n");
    expect(renderSettings([["x", "it's"]])).toContain("x = 'it''s'\n");
  });

  it("requires SCRAM over TCP, keeps the superuser off TCP and peer-maps it locally", () => {
    const rules = renderHba()
      .split("\n")
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => line.split(/\s+/).join(" "));
    expect(rules).toEqual([
      "local all postgres peer map=hoard-admin",
      "local all all scram-sha-256",
      "host all postgres 0.0.0.0/0 reject",
      "host all postgres ::/0 reject",
      "host all all 0.0.0.0/0 scram-sha-256",
      "host all all ::/0 scram-sha-256",
    ]);
    expect(renderIdent(["root", "postgres"])).toContain("hoard-admin  root  postgres\nhoard-admin  postgres  postgres\n");
  });
});
