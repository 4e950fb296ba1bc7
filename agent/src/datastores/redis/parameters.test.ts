// Parameters over the flavor, value spellings, redis.conf read back, the slow log switch, the
// client fence script and slow log lines: pure rules, table-tested.
import { describe, expect, it } from "vitest";
import { nftTableName, renderFenceScript } from "../common/firewall.js";
import { DatastoreSpecError } from "../errors.js";
import type { InstanceLayout } from "../manager.js";
import { checkParameters, instanceSettings, normaliseValue, slowLogThreshold } from "./parameters.js";
import { resolvePaths } from "./paths.js";
import { parseConfig, renderConfig } from "./settings.js";
import { renderSlowLogEntry } from "./slow-log.js";

const layout: InstanceLayout = {
  instanceId: "0b7c3f52-1e8a-4d6b-9c1f-2a3b4c5d6e7f",
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
const paths = resolvePaths(layout);

describe("instanceSettings", () => {
  const render = (parameters: Record<string, string>, slowLog?: boolean): Map<string, string> =>
    parseConfig(renderConfig(instanceSettings({ ramMb: 512, vcpus: 2, parameters }, slowLog, layout, paths)));

  it("lets parameters win over the flavor, in place, and adds the others", () => {
    const settings = instanceSettings({ ramMb: 512, vcpus: 2, parameters: { "maxmemory-policy": "allkeys-lru", hz: "20", databases: "32" } }, undefined, layout, paths);
    const names = settings.map(([name]) => name);
    expect(names.filter((name) => name === "maxmemory-policy")).toHaveLength(1);
    expect(names.indexOf("maxmemory-policy")).toBe(names.indexOf("maxmemory") + 1);
    expect(names.slice(-2)).toEqual(["databases", "hz"]);
    expect(render({ "maxmemory-policy": "allkeys-lru" }).get("maxmemory-policy")).toBe("allkeys-lru");
    expect(render({ maxmemory: "1000" }).get("maxmemory")).toBe("1000");
    expect(render({}).get("maxmemory")).toBe("384mb");
  });

  it.each([
    [{}, undefined, undefined],
    [{}, true, "10000"],
    [{}, false, "-1"],
    [{ "slowlog-log-slower-than": "0" }, undefined, "0"],
    [{ "slowlog-log-slower-than": "0" }, true, "0"],
    [{ "slowlog-log-slower-than": "0" }, false, "-1"],
    [{ "slowlog-log-slower-than": "-1" }, true, "10000"],
  ])("parameters %j, switch %s -> slowlog-log-slower-than %s", (parameters, slowLog, threshold) => {
    expect(slowLogThreshold(parameters, slowLog)).toBe(threshold);
    expect(render(parameters, slowLog).get("slowlog-log-slower-than")).toBe(threshold);
  });

  it("refuses the agent's own settings and what redis.conf cannot hold", () => {
    const refused: Array<Record<string, string>> = [{ port: "1" }, { dir: "/tmp" }, { replicaof: "10.0.0.1 6379" }, { "Bad Name": "1" }, { hz: "1\nport 1" }];
    for (const parameters of refused) {
      expect(() => checkParameters(parameters), JSON.stringify(parameters)).toThrow(DatastoreSpecError);
    }
    expect(() => checkParameters({ "maxmemory-policy": "allkeys-lru", "hash-max-listpack-entries": "256" })).not.toThrow();
  });
});

describe("values", () => {
  it.each([
    ["384mb", "402653184"],
    ["1gb", "1073741824"],
    ["1k", "1000"],
    ["YES", "yes"],
    [" 3600 1  300 100 ", "3600 1 300 100"],
    ["normal 0 0 0 slave 256mb 64mb 60", "normal 0 0 0 slave 268435456 67108864 60"],
    ["allkeys-lru", "allkeys-lru"],
  ])("%j reads as %j", (value, normal) => {
    expect(normaliseValue(value)).toBe(normal);
  });

  it("reads back what renderConfig wrote, quoted arguments included", () => {
    const text = renderConfig([["save", ""], ["notify-keyspace-events", 'K "x" \\y'], ["hz", 10], ["save", "3600 1"]]);
    expect([...parseConfig(text)]).toEqual([
      ["save", "3600 1"],
      ["notify-keyspace-events", 'K "x" \\y'],
      ["hz", "10"],
    ]);
  });
});

describe("client fence", () => {
  it("names the table after the instance id, as the compute provider does", () => {
    expect(nftTableName(layout.instanceId)).toBe("hoard_0b7c3f521e8a4d6b");
  });

  it("replaces the table in one transaction, resetting other sources to the instance's address and port", () => {
    const script = renderFenceScript({ instanceId: layout.instanceId, host: "127.10.0.3", port: 6379, allowedCidrs: ["10.0.0.0/8", "fd00::/8"] });
    expect(script.split("\n").slice(0, 3)).toEqual(["table inet hoard_0b7c3f521e8a4d6b", "delete table inet hoard_0b7c3f521e8a4d6b", "table inet hoard_0b7c3f521e8a4d6b {"]);
    expect(script).toContain("elements = { 10.0.0.0/8 }");
    expect(script).toContain("elements = { fd00::/8 }");
    expect(script).toContain("ip daddr 127.10.0.3 tcp dport 6379 ip saddr != @clients4 reject with tcp reset");
    const v6 = renderFenceScript({ instanceId: layout.instanceId, host: "::1", port: 7000, allowedCidrs: ["10.0.0.0/8"] });
    expect(v6).toContain("ip6 daddr ::1 tcp dport 7000 ip6 saddr != @clients6 reject with tcp reset");
    expect(v6).toContain("set clients6 { type ipv6_addr; flags interval; auto-merge; }");
  });

  it("refuses what is not a CIDR before nft sees it", () => {
    for (const cidr of ["10.0.0.1/8", "10.0.0.0", "10.0.0.0/8; flush ruleset", "example.com/8"]) {
      expect(() => renderFenceScript({ instanceId: "x", host: "127.0.0.1", port: 1, allowedCidrs: [cidr] }), cidr).toThrow(DatastoreSpecError);
    }
  });
});

describe("slow log lines", () => {
  it("renders one entry a line, quoting arguments that would break it", () => {
    const line = renderSlowLogEntry({ id: 7, time: 1_700_000_000, micros: 12, args: ["SET", "k", "a b\nc"], client: "127.0.0.1:5000", clientName: "app" });
    expect(line).toBe('2023-11-14T22:13:20.000Z 7 12 µs 127.0.0.1:5000 (app) SET k "a b\\nc"\n');
  });
});
