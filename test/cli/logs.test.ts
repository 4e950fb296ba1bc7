// `hoard instance log list|enable|disable|tail` (and Trove's `hoard log ...`) against the in-memory
// gateway, including `tail --follow`: it prints the tail, then what is appended, and Ctrl-C ends it
// with status 0, in-process and as a real process.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runHoard } from "../../cli/hoard.js";
import { startFakeHoard, type FakeHoard } from "./fake-hoard.js";
import { initialErrorLog } from "./fake-logs.js";
import { runCli, startBin, startCli, type Run } from "./harness.js";

const token = "test-token-1a6d";
let fake: FakeHoard;
let home: string;

function hoard(...args: string[]): Promise<Run> {
  return runCli(runHoard, { url: fake.url, token, home }, args);
}

function requestsOf(method: string): unknown[] {
  return fake.calls.filter((c) => c.method === method).map((c) => c.request);
}

beforeEach(async () => {
  fake = await startFakeHoard(token);
  home = await mkdtemp(join(tmpdir(), "hoard-cli-"));
  expect((await hoard("instance", "create", "db1", "--flavor", "small", "--size", "1", "--datastore", "postgresql")).code).toBe(0);
  fake.calls.length = 0;
});

afterEach(async () => {
  await fake.close();
  await rm(home, { recursive: true, force: true });
});

describe("log list, enable, disable", () => {
  it("list prints each log, its type, state and size", async () => {
    const run = await hoard("instance", "log", "list", "db1");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[1]).toMatch(/^\| Name\s+\| Type \| Enabled \| Size \(bytes\) \| Description\s+\|$/);
    expect(lines.slice(3, 6)).toEqual([
      "| error   | SYS  | true    | 100          | server errors and start-up |",
      "| general | USER | false   | 0            | every statement            |",
      "| slow    | USER | false   | 0            | slow statements            |",
    ]);
  });

  it("enable and disable send the log's new state and print it; `hoard log` is the same", async () => {
    const enabled = await hoard("instance", "log", "enable", "db1", "general", "-f", "json");
    expect(JSON.parse(enabled.stdout)).toEqual({ name: "general", type: "USER", enabled: true, size_bytes: 0, description: "every statement" });
    const disabled = await hoard("log", "disable", "db1", "general", "-f", "json");
    expect(JSON.parse(disabled.stdout)).toMatchObject({ name: "general", enabled: false });
    expect(requestsOf("SetInstanceLog")).toMatchObject([
      { id: "db1", name: "general", enabled: true },
      { id: "db1", name: "general", enabled: false },
    ]);
  });

  it("a log that is always on cannot be disabled: FAILED_PRECONDITION, exit 1", async () => {
    expect(await hoard("instance", "log", "disable", "db1", "error")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'error: failed_precondition: log "error" is always on\n',
    });
  });
});

describe("log tail", () => {
  it("prints the end of the log as it is", async () => {
    expect(await hoard("instance", "log", "tail", "db1", "error")).toEqual({ code: 0, stdout: initialErrorLog, stderr: "" });
    expect(requestsOf("ReadInstanceLog")).toMatchObject([{ id: "db1", name: "error", lines: 0, cursor: "" }]);
  });

  it("--lines picks how many; -f json gives the text and the cursor", async () => {
    const run = await hoard("log", "tail", "db1", "error", "--lines", "1", "-f", "json");
    expect(JSON.parse(run.stdout)).toEqual({ text: "2025-03-01 10:00:02 LOG: ready\n", cursor: String(initialErrorLog.length) });
    expect(requestsOf("ReadInstanceLog")).toMatchObject([{ lines: 1 }]);
  });

  it("ends a last line that has no newline with one", async () => {
    fake.logs("db1").append("slow", "partial line");
    expect((await hoard("instance", "log", "tail", "db1", "slow")).stdout).toBe("partial line\n");
  });

  it.each(["0", "10001", "many"])("--lines %s is a usage error before any call", async (lines) => {
    const run = await hoard("instance", "log", "tail", "db1", "error", "--lines", lines);
    expect(run).toMatchObject({ code: 2, stdout: "" });
    expect(run.stderr).toMatch(/^error: --lines must be /);
    expect(fake.calls).toHaveLength(0);
  });

  it("an unknown log is NOT_FOUND, exit 1", async () => {
    expect(await hoard("instance", "log", "tail", "db1", "audit")).toEqual({ code: 1, stdout: "", stderr: 'error: not_found: log "audit" not found\n' });
  });
});

describe("log tail --follow", () => {
  it("prints the tail, then appended text, reading from the returned cursor; Ctrl-C exits 0", async () => {
    const live = startCli(runHoard, { url: fake.url, token, home }, ["instance", "log", "tail", "db1", "error", "--follow"]);
    await live.until((out) => out === initialErrorLog);
    fake.logs("db1").append("error", "2025-03-01 10:05:00 ERROR: disk ");
    await live.until((out) => out.endsWith("disk "));
    fake.logs("db1").append("error", "nearly full\n");
    await live.until((out) => out.endsWith("nearly full\n"));
    live.interrupt();
    expect(await live.finished).toEqual({
      code: 0,
      stdout: `${initialErrorLog}2025-03-01 10:05:00 ERROR: disk nearly full\n`,
      stderr: "",
    });
    const reads = requestsOf("ReadInstanceLog") as { cursor: string }[];
    expect(reads[0]).toMatchObject({ cursor: "" });
    expect(reads.slice(1).every((r) => r.cursor !== "")).toBe(true);
  });

  it("-f json prints one line per read that returned text", async () => {
    const live = startCli(runHoard, { url: fake.url, token, home }, ["log", "tail", "db1", "error", "--follow", "--lines", "1", "-f", "json"]);
    await live.until((out) => out.includes("ready"));
    fake.logs("db1").append("error", "more\n");
    await live.until((out) => out.includes("more"));
    live.interrupt();
    const { code, stdout } = await live.finished;
    expect(code).toBe(0);
    expect(stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as unknown)).toEqual([
      { text: "2025-03-01 10:00:02 LOG: ready\n", cursor: String(initialErrorLog.length) },
      { text: "more\n", cursor: String(initialErrorLog.length + 5) },
    ]);
  });

  it("keeps going when the gateway is unreachable for a while, saying so once", async () => {
    fake.failLogReads = 3;
    const live = startCli(runHoard, { url: fake.url, token, home }, ["instance", "log", "tail", "db1", "error", "--follow"]);
    await live.until((out) => out === initialErrorLog);
    live.interrupt();
    expect(await live.finished).toEqual({ code: 0, stdout: initialErrorLog, stderr: "db1: gateway unreachable, retrying\n" });
  });

  it("stops with exit 1 on an error that is not about reaching the gateway", async () => {
    const live = startCli(runHoard, { url: fake.url, token, home }, ["instance", "log", "tail", "db1", "audit", "--follow"]);
    expect(await live.finished).toEqual({ code: 1, stdout: "", stderr: 'error: not_found: log "audit" not found\n' });
  });

  it("a real SIGINT ends the real process with status 0", async () => {
    const live = startBin("hoard", { url: fake.url, token, home }, ["instance", "log", "tail", "db1", "error", "--follow"]);
    await live.until((out) => out === initialErrorLog);
    fake.logs("db1").append("error", "after start\n");
    await live.until((out) => out.endsWith("after start\n"));
    live.interrupt();
    expect(await live.finished).toEqual({ code: 0, stdout: `${initialErrorLog}after start\n`, stderr: "" });
  });
});
