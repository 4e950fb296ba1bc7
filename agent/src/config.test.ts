import { describe, expect, it } from "vitest";
import { AgentConfigError, loadAgentConfig, parseAgentConfig } from "./config.js";

const doc = {
  instanceId: "a1b2-c3",
  engine: "postgresql",
  binDir: "/usr/lib/postgresql/15/bin",
  host: "127.10.0.3",
  port: 5432,
  volumeKind: "loop",
  volumeSizeGb: 2,
  root: "/h/instances/a1b2-c3",
  dataDir: "/h/instances/a1b2-c3/volume/data",
  runDir: "/h/instances/a1b2-c3/run",
  logDir: "/h/instances/a1b2-c3/logs",
  cacheDir: "/h/cache",
  runAs: { user: "postgres", uid: 101, gid: 104 },
  natsUrl: "nats://127.0.0.1:4222",
};

describe("parseAgentConfig", () => {
  it("builds a frozen config with defaults for the timings", () => {
    const config = parseAgentConfig(doc, {});
    expect(config).toMatchObject({
      instanceId: "a1b2-c3",
      engine: "postgresql",
      probeIntervalMs: 1000,
      heartbeatIntervalMs: 2000,
      restartBackoffMs: 1000,
      restartBackoffMaxMs: 30_000,
      layout: { port: 5432, runAs: { user: "postgres", uid: 101, gid: 104 }, cacheDir: "/h/cache" },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.layout)).toBe(true);
  });

  it("takes timings from the environment and a null runAs as none", () => {
    const config = parseAgentConfig({ ...doc, runAs: null }, { HOARD_AGENT_PROBE_MS: "250", HOARD_AGENT_HEARTBEAT_MS: "500" });
    expect(config.probeIntervalMs).toBe(250);
    expect(config.heartbeatIntervalMs).toBe(500);
    expect(config.layout.runAs).toBeUndefined();
  });

  it("lists every problem in one message", () => {
    const bad = { ...doc, instanceId: "a.b", port: 70_000, dataDir: "relative/data", runAs: { user: "x" }, natsUrl: "" };
    expect(() => parseAgentConfig(bad, { HOARD_AGENT_PROBE_MS: "soon" }, "/x/instance.json")).toThrow(
      new AgentConfigError(
        "invalid /x/instance.json: instanceId must match ^[A-Za-z0-9][A-Za-z0-9-]{0,127}$; natsUrl must be a non-empty string; " +
          "port must be an integer between 1 and 65535; dataDir must be an absolute path; " +
          "runAs must be null or {user, uid, gid} with a non-empty user and non-negative integer ids; " +
          "HOARD_AGENT_PROBE_MS must be a whole number of milliseconds between 10 and 3600000",
      ),
    );
  });

  it("says which variable is missing or which file cannot be read", () => {
    expect(() => loadAgentConfig({})).toThrow(/HOARD_INSTANCE_CONFIG is not set/);
    expect(() => loadAgentConfig({ HOARD_INSTANCE_CONFIG: "/nonexistent/instance.json" })).toThrow(/cannot read \/nonexistent\/instance.json/);
  });
});
