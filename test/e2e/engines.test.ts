// Every engine end to end through the CLI: create with a user, connect with the engine's own
// client as that user, delete and leave nothing behind.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mariadb, redisCli } from "./engine-clients.js";
import { createStack, processesMentioning, psql, type Stack } from "./harness.js";

let stack: Stack;

beforeAll(async () => {
  stack = await createStack();
});

afterAll(async () => {
  await stack?.cleanup();
});

const password = "S3cret-pw";

const engines = [
  {
    datastore: "postgresql",
    version: "15",
    port: 5432,
    args: ["--databases", "appdb", "--users", `app:${password}`],
    query: (host: string, port: number, pw: string) => psql(host, port, "app", pw, "appdb", "select 1"),
    answer: "1",
  },
  {
    datastore: "mariadb",
    version: "10.11",
    port: 3306,
    args: ["--databases", "appdb", "--users", `app:${password}`],
    query: (host: string, port: number, pw: string) => mariadb(host, port, "app", pw, "appdb", "select 1"),
    answer: "1",
  },
  {
    datastore: "redis",
    version: "7",
    port: 6379,
    args: ["--users", `app:${password}`],
    query: (host: string, port: number, pw: string) => redisCli(host, port, "app", pw, "SET", "k", "v"),
    answer: "OK",
  },
];

describe.each(engines)("$datastore", (engine) => {
  it("reaches ACTIVE with --wait, serves its own client as the created user, and is deleted without a trace", async () => {
    const name = `e-${engine.datastore}`;
    const created = await stack.hoard([
      "instance", "create", name, "--flavor", "tiny", "--size", "1", "--datastore", engine.datastore,
      "--datastore-version", engine.version, ...engine.args, "--wait",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const shown = JSON.parse((await stack.hoard(["instance", "show", name, "-f", "json"])).stdout) as { id: string; host: string; port: number; status: string };
    expect(shown).toMatchObject({ status: "ACTIVE", port: engine.port });

    const ok = await engine.query(shown.host, shown.port, password);
    expect(ok.stdout, ok.stderr).toBe(engine.answer);
    const wrong = await engine.query(shown.host, shown.port, "Wrong-password");
    expect(wrong.stdout).not.toBe(engine.answer);

    expect((await stack.hoard(["instance", "delete", name, "--wait"])).code).toBe(0);
    expect(processesMentioning(shown.id)).toEqual([]);
    expect(fs.existsSync(path.join(stack.home, "instances", shown.id))).toBe(false);
  });
});
