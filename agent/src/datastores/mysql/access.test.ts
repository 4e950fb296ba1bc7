import { describe, expect, it } from "vitest";
import { DatastorePreconditionError, DatastoreSpecError } from "../errors.js";
import { concreteAccounts, hostInside, logicalHost, networkHosts, planAccess, type AccountState } from "./access.js";
import { emptyState, type AccessRecord, type AgentState } from "./agent-state.js";
import { resolveLogSwitches } from "./log-kinds.js";
import { sameValue, setGlobal } from "./variables.js";

const net8 = "10.0.0.0/255.0.0.0";
const loop = "127.0.0.0/255.0.0.0";
const account = (user: string, host: string, locked = false): AccountState => ({ user, host, locked });
const record = (partial: Partial<AccessRecord> = {}): AccessRecord => ({ cidrs: [], expanded: [], locked: [], ...partial });

describe("allowed networks as account hosts", () => {
  it("writes IPv4 CIDRs as address/netmask and refuses what MariaDB cannot say", () => {
    expect(networkHosts(["10.0.0.0/8", "192.168.1.0/24", "10.0.0.0/8", "1.2.3.4/32"])).toEqual([net8, "192.168.1.0/255.255.255.0", "1.2.3.4/255.255.255.255"]);
    expect(networkHosts(["0.0.0.0/0"])).toEqual(["0.0.0.0/128.0.0.0", "128.0.0.0/128.0.0.0"]);
    expect(() => networkHosts(["2001:db8::/32"])).toThrow(DatastorePreconditionError);
    expect(() => networkHosts(["10.0.0.1/8"])).toThrow(DatastoreSpecError);
  });

  it.each([
    ["10.1.2.3", true],
    ["10.1.%", true],
    ["10.%", true],
    ["10.1.0.0/255.255.0.0", true],
    ["11.0.0.1", false],
    ["%", false],
    ["10.1%", false], // matches 10.1x.y.z and 10.100-199 too: not provably inside
    ["localhost", false],
    ["db.example.com", false],
    ["::1", false],
    ["10.0.0.0/255.0.255.0", false], // not a contiguous mask
  ])("host %s is inside 10.0.0.0/8: %s", (host, inside) => {
    expect(hostInside(host, ["10.0.0.0/8"])).toBe(inside);
  });

  it("copies user@'%' per network, locks chosen hosts outside, and records before and after", () => {
    const accounts = [account("alice", "%"), account("carol", "127.0.0.%"), account("erin", "10.1.%")];
    const plan = planAccess(accounts, record(), ["10.0.0.0/8"]);
    expect(plan.copies).toEqual([{ from: accounts[0], hosts: [net8] }]);
    expect(plan.locks).toEqual([{ user: "carol", host: "127.0.0.%" }]);
    expect(plan.drops).toEqual([{ user: "alice", host: "%", locked: false }]);
    expect(plan.unlocks).toEqual([]);
    expect(plan.interim).toEqual({ cidrs: ["10.0.0.0/8"], expanded: [{ user: "alice", hosts: [net8] }], locked: [{ user: "carol", host: "127.0.0.%" }] });
    expect(plan.final).toEqual(plan.interim);
  });

  it("moves copies between networks new first, and turns them back into '%' when cleared", () => {
    const before = record({ cidrs: ["10.0.0.0/8"], expanded: [{ user: "alice", hosts: [net8] }], locked: [{ user: "carol", host: "127.0.0.%" }] });
    const copies = [account("alice", net8), account("carol", "127.0.0.%", true)];
    const moved = planAccess(copies, before, ["127.0.0.0/8"]);
    expect(moved.copies).toEqual([{ from: copies[0], hosts: [loop] }]);
    expect(moved.drops).toEqual([copies[0]]);
    expect(moved.unlocks).toEqual([{ user: "carol", host: "127.0.0.%" }]);
    expect(moved.interim.expanded).toEqual([{ user: "alice", hosts: [net8, loop] }]); // a crash midway loses neither
    expect(moved.final).toEqual({ cidrs: ["127.0.0.0/8"], expanded: [{ user: "alice", hosts: [loop] }], locked: [] });

    const cleared = planAccess(copies, before, []);
    expect(cleared.copies).toEqual([{ from: copies[0], hosts: ["%"] }]);
    expect(cleared.final).toEqual({ cidrs: [], expanded: [], locked: [] });
  });

  it("leaves locks it did not place, and keeps user@'%' locked when every network is taken by a chosen host", () => {
    const plan = planAccess([account("alice", "%"), account("alice", net8), account("bob", "1.2.3.4", true)], record(), ["10.0.0.0/8"]);
    expect(plan.copies).toEqual([]);
    expect(plan.drops).toEqual([]);
    expect(plan.locks).toEqual([{ user: "alice", host: "%" }]);
    expect(planAccess([account("bob", "1.2.3.4", true)], record(), []).unlocks).toEqual([]);
  });

  it("names copies by their logical account", () => {
    const rec = record({ cidrs: ["10.0.0.0/8"], expanded: [{ user: "alice", hosts: [net8] }] });
    const accounts = [account("alice", net8), account("alice", "1.2.3.4")];
    expect(concreteAccounts(accounts, rec, "alice", "%")).toEqual([accounts[0]]);
    expect(concreteAccounts(accounts, rec, "alice", net8)).toEqual([]);
    expect(concreteAccounts(accounts, rec, "alice", "1.2.3.4")).toEqual([accounts[1]]);
    expect(accounts.map((a) => logicalHost(rec, a))).toEqual(["%", "1.2.3.4"]);
  });
});

describe("log switches", () => {
  it("lets the newest intent win: SetLogEnabled, or a configuration group that sets or changes the variable", () => {
    const state: AgentState = emptyState();
    expect(resolveLogSwitches(state, { slow_query_log: "ON" })).toEqual({ general: false, slow: true });
    state.logs.slow = { ...state.logs.slow, enabled: false }; // SetLogEnabled(slow, false)
    expect(resolveLogSwitches(state, { slow_query_log: "ON" }).slow).toBe(false); // same group again: no new intent
    expect(resolveLogSwitches(state, { "slow-query-log": "1" }).slow).toBe(true); // changed value: new intent
    expect(resolveLogSwitches(state, {}).slow).toBe(true); // dropped from the group: stays as it is
  });
});

describe("variable values", () => {
  it.each([
    ["256M", "268435456", "BIGINT UNSIGNED", true],
    ["1", "1.000000", "DOUBLE", true],
    ["0.2", "0.200000", "DOUBLE", true],
    ["ON", "1", "BOOLEAN", true],
    ["off", "OFF", "BOOLEAN", true],
    ["repeatable-read", "REPEATABLE-READ", "ENUM", true],
    ["NO_ZERO_DATE,STRICT_TRANS_TABLES", "STRICT_TRANS_TABLES,NO_ZERO_DATE", "SET", true],
    ["77", "50", "BIGINT UNSIGNED", false],
  ])("%s and %s (%s) are the same value: %s", (wanted, actual, type, same) => {
    expect(sameValue(wanted, actual, type)).toBe(same);
  });

  it("writes SET GLOBAL with bare numbers and quoted strings", () => {
    expect(setGlobal({ name: "innodb_buffer_pool_size", type: "BIGINT UNSIGNED" }, "512M")).toBe("SET GLOBAL innodb_buffer_pool_size = 536870912;");
    expect(setGlobal({ name: "long_query_time", type: "DOUBLE" }, "0.5")).toBe("SET GLOBAL long_query_time = 0.5;");
    expect(setGlobal({ name: "slow_query_log", type: "BOOLEAN" }, "1")).toBe("SET GLOBAL slow_query_log = ON;");
    expect(setGlobal({ name: "sql_mode", type: "SET" }, "a'b")).toBe("SET GLOBAL sql_mode = CONVERT(X'612762' USING utf8mb4);");
  });
});
