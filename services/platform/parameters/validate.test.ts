import { describe, expect, it } from "vitest";
import { bundledCatalogues, loadBundledCatalogue } from "./catalogue.js";
import { restartRequiredNames, validateParameters } from "./validate.js";
import { formatFloat } from "./value.js";

const pg = loadBundledCatalogue("postgresql", "15");
const mariadb = loadBundledCatalogue("mariadb", "10.11");
const redis = loadBundledCatalogue("redis", "7");

describe("validateParameters on the bundled catalogues", () => {
  it.each(bundledCatalogues().map((c) => [`${c.datastore} ${c.version}`, c] as const))("%s: every engine default and bound renders as itself", (_, c) => {
    for (const p of c.parameters) {
      const samples = [p.engineDefault, ...(p.type === "integer" || p.type === "float" ? [formatFloat(p.min), formatFloat(p.max)] : []), ...(p.type === "string" ? (p.allowed ?? []) : [])];
      for (const sample of samples) {
        if (sample === undefined) continue;
        expect(validateParameters(c, { [p.name]: sample }), `${p.name} = ${sample}`).toEqual({ values: { [p.name]: sample }, problems: [] });
      }
    }
  });

  it("takes JSON numbers, booleans and strings and renders them as the engine spells them", () => {
    expect(validateParameters(pg, { work_mem: 4096, maintenance_work_mem: "65536", jit: true, autovacuum: "OFF", log_checkpoints: "yes", wal_level: "LOGICAL", checkpoint_completion_target: "0.50" })).toEqual({
      values: { autovacuum: "off", checkpoint_completion_target: "0.5", jit: "on", log_checkpoints: "on", maintenance_work_mem: "65536", wal_level: "logical", work_mem: "4096" },
      problems: [],
    });
    expect(validateParameters(mariadb, { slow_query_log: 1, general_log: "false", long_query_time: 0.5, innodb_flush_method: "o_direct" }).values).toEqual({
      general_log: "OFF",
      innodb_flush_method: "O_DIRECT",
      long_query_time: "0.5",
      slow_query_log: "ON",
    });
    expect(validateParameters(redis, { activedefrag: "on", "maxmemory-policy": "ALLKEYS-LRU", maxmemory: "1073741824", "notify-keyspace-events": "Ex", "slowlog-log-slower-than": -1 }).values).toEqual({
      activedefrag: "yes",
      maxmemory: "1073741824",
      "maxmemory-policy": "allkeys-lru",
      "notify-keyspace-events": "Ex",
      "slowlog-log-slower-than": "-1",
    });
  });

  it("writes small floats without an exponent", () => {
    expect(validateParameters(pg, { autovacuum_vacuum_scale_factor: 1e-7 }).values).toEqual({ autovacuum_vacuum_scale_factor: "0.0000001" });
    expect(validateParameters(pg, { autovacuum_vacuum_scale_factor: "2.5E-3" }).values).toEqual({ autovacuum_vacuum_scale_factor: "0.0025" });
    expect(formatFloat(-0)).toBe("0");
    expect(formatFloat(1.5e-7)).toBe("0.00000015");
    expect(formatFloat(1e300)).toBe("1e+300");
  });

  it("reports every bad key at once, sorted, keeping the good ones", () => {
    const result = validateParameters(pg, {
      work_mem: "abc",
      shared_buffers: 8,
      wal_level: "minimal",
      jit: "maybe",
      "work-mem": 4096,
      max_connections: 4.5,
      statement_timeout: 30000,
      log_statement: 1,
      default_transaction_isolation: "read committed\nshared_preload_libraries = 'evil'",
      hash_mem_multiplier: "1e400",
      max_wal_size: "99999999999999999999",
    });
    expect(result.values).toEqual({ statement_timeout: "30000" });
    expect(result.problems).toEqual([
      { name: "default_transaction_isolation", problem: "must not contain control characters or line breaks" },
      { name: "hash_mem_multiplier", problem: 'expected a number, got "1e400"' },
      { name: "jit", problem: 'expected a boolean (on or off), got "maybe"' },
      { name: "log_statement", problem: "expected one of none, ddl, mod, all; got 1" },
      { name: "max_connections", problem: "expected an integer, got 4.5" },
      { name: "max_wal_size", problem: "must be between 32 and 2147483647 (MB)" },
      { name: "shared_buffers", problem: "must be between 16 and 1073741823 (8kB)" },
      { name: "wal_level", problem: '"minimal" is not one of: replica, logical' },
      { name: "work-mem", problem: "unknown parameter for postgresql 15 (did you mean work_mem?)" },
      { name: "work_mem", problem: 'expected an integer (in kB), got "abc"' },
    ]);
  });

  it("suggests the closest name", () => {
    const problems = validateParameters(redis, { maxmemory_policy: "noeviction", "max-memory": 1, "slowlog-max-lenght": 1, zzz: 1 }).problems;
    expect(problems.map((p) => p.problem)).toEqual([
      "unknown parameter for redis 7 (did you mean maxmemory?)",
      "unknown parameter for redis 7 (did you mean maxmemory-policy?)",
      "unknown parameter for redis 7 (did you mean slowlog-max-len?)",
      "unknown parameter for redis 7",
    ]);
  });

  it("refuses units, nulls, lists and objects as values", () => {
    const problems = validateParameters(mariadb, { max_allowed_packet: "64M", wait_timeout: null, sql_mode: "ANSI", event_scheduler: ["ON"], general_log: {} }).problems;
    expect(problems).toEqual([
      { name: "event_scheduler", problem: "expected one of OFF, ON; got a list" },
      { name: "general_log", problem: "expected a boolean (ON or OFF), got an object" },
      { name: "max_allowed_packet", problem: 'expected an integer (in B), got "64M"' },
      { name: "sql_mode", problem: "unknown parameter for mariadb 10.11" },
      { name: "wait_timeout", problem: "expected an integer (in s), got null" },
    ]);
  });

  it("refuses a values argument that is not an object", () => {
    expect(validateParameters(pg, [] as unknown as Record<string, unknown>).problems).toEqual([{ name: "", problem: "parameters must be an object of name to value, got a list" }]);
  });

  it("never lets a key reach the prototype", () => {
    const result = validateParameters(pg, JSON.parse('{"__proto__": {"polluted": 1}, "work_mem": 64}') as Record<string, unknown>);
    expect(result.problems.map((p) => p.name)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(result.values)).toBe(Object.prototype);
  });
});

describe("restartRequiredNames", () => {
  it("names the changed, added and removed parameters that need a restart", () => {
    const before = { shared_buffers: "16384", work_mem: "4096", wal_level: "replica", max_connections: "100" };
    const after = { shared_buffers: "32768", work_mem: "8192", max_connections: "100", max_locks_per_transaction: "128", jit: "off" };
    expect(restartRequiredNames(pg, before, after)).toEqual(["max_locks_per_transaction", "shared_buffers", "wal_level"]);
  });

  it("is empty when only live parameters change", () => {
    expect(restartRequiredNames(redis, { maxmemory: "0" }, { maxmemory: "1024", timeout: "60" })).toEqual([]);
  });

  it("treats a name the catalogue does not know as needing a restart", () => {
    expect(restartRequiredNames(mariadb, { retired_setting: "1" }, {})).toEqual(["retired_setting"]);
  });
});
