import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLogFiles, readLogFiles } from "../common/log-tail.js";
import { LOG_VIEWS, SERVER_LOG_FILES } from "./server-log.js";
import { SERVER_LOG_FILENAME } from "./settings.js";

// As PostgreSQL 15 writes it with log_statement = 'all' and log_min_duration_statement = 0.
const LOG = `2026-11-25 19:51:42.941 UTC [7911] LOG:  received SIGHUP, reloading configuration files
2026-11-25 19:51:43.077 UTC [7927] alice@shop LOG:  statement: SELECT 1 AS a,
\t  2 AS b
2026-11-25 19:51:43.077 UTC [7927] alice@shop LOG:  duration: 0.412 ms
2026-11-25 19:51:43.085 UTC [7927] alice@shop LOG:  duration: 0.246 ms  parse <unnamed>: SELECT $1::int AS p
2026-11-25 19:51:43.085 UTC [7927] alice@shop LOG:  execute <unnamed>: SELECT $1::int AS p
2026-11-25 19:51:43.085 UTC [7927] alice@shop DETAIL:  parameters: $1 = '42'
2026-11-25 19:51:43.086 UTC [7927] alice@shop LOG:  statement: SELECT nope
2026-11-25 19:51:43.089 UTC [7927] alice@shop ERROR:  column "nope" does not exist at character 8
2026-11-25 19:51:43.089 UTC [7927] alice@shop STATEMENT:  SELECT nope
2026-11-25 19:51:44.000 UTC [7930] bob@shop LOG:  duration: 1201.5 ms  statement: SELECT pg_sleep(1.2)
`;

describe("server log views", () => {
  let dir: string;
  const read = async (view: keyof typeof LOG_VIEWS): Promise<string> =>
    (await readLogFiles(await listLogFiles(dir, SERVER_LOG_FILES), { lines: 100, maxBytes: 100_000 }, LOG_VIEWS[view])).text;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "pg-log-"));
    await writeFile(join(dir, "postgresql-20261125-195141.log"), LOG);
    await writeFile(join(dir, "startup.log"), "not the server log\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("names files so that the reader finds them, and only them", () => {
    const named = SERVER_LOG_FILENAME.replace("%Y", "2026").replace("%m", "11").replace("%d", "25").replace("%H", "19").replace("%M", "51").replace("%S", "41");
    expect(SERVER_LOG_FILES.test(named)).toBe(true);
    expect(SERVER_LOG_FILES.test("postgresql-Mon.log")).toBe(true);
    expect(SERVER_LOG_FILES.test("startup.log")).toBe(false);
  });

  it("reads everything as the error log", async () => {
    expect(await read("error")).toBe(LOG);
  });

  it("keeps the duration entries as the slow log", async () => {
    expect((await read("slow")).split("\n").filter(Boolean)).toEqual([
      "2026-11-25 19:51:43.077 UTC [7927] alice@shop LOG:  duration: 0.412 ms",
      "2026-11-25 19:51:43.085 UTC [7927] alice@shop LOG:  duration: 0.246 ms  parse <unnamed>: SELECT $1::int AS p",
      "2026-11-25 19:51:44.000 UTC [7930] bob@shop LOG:  duration: 1201.5 ms  statement: SELECT pg_sleep(1.2)",
    ]);
  });

  it("keeps the statement entries, with their continuation and DETAIL lines, as the general log", async () => {
    expect((await read("general")).split("\n").filter(Boolean)).toEqual([
      "2026-11-25 19:51:43.077 UTC [7927] alice@shop LOG:  statement: SELECT 1 AS a,",
      "\t  2 AS b",
      "2026-11-25 19:51:43.085 UTC [7927] alice@shop LOG:  execute <unnamed>: SELECT $1::int AS p",
      "2026-11-25 19:51:43.085 UTC [7927] alice@shop DETAIL:  parameters: $1 = '42'",
      "2026-11-25 19:51:43.086 UTC [7927] alice@shop LOG:  statement: SELECT nope",
    ]);
  });
});
