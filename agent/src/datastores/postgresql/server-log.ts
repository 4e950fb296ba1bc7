// The server log as PostgreSQL writes it (settings.ts: log_filename, log_line_prefix) and the three
// guest logs read from it. PostgreSQL has one log, so "slow" and "general" are views of it:
//   error    everything the server writes (SYS)
//   slow     the entries log_min_duration_statement produces: "duration: 201.3 ms  statement: ..."
//            (or "... execute <unnamed>: ...", or a bare "duration: ..." when the statement was
//            already logged by log_statement), each with its continuation and DETAIL lines
//   general  the entries log_statement produces: "statement: ..." and "execute <name>: ..."
// An entry is a line carrying the prefix with a primary severity (LOG, ERROR, ...) plus every line
// after it that does not start a new entry: tab-indented continuations of a multi-line statement,
// and the DETAIL, HINT, CONTEXT, STATEMENT, QUERY and LOCATION lines of the same report, which the
// collector writes right after it.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { LogView } from "../common/log-tail.js";
import type { PostgresqlPaths } from "./paths.js";

/**
 * Files of the server log: SERVER_LOG_FILENAME's, and the weekday files of agents before it
 * (postgresql-Mon.log), which are read and capped like the others until they age out.
 */
export const SERVER_LOG_FILES = /^postgresql-(\d{8}-\d{6}|Mon|Tue|Wed|Thu|Fri|Sat|Sun)\.log$/;

/** The guest logs of a PostgreSQL instance. */
export type GuestLogName = "error" | "slow" | "general";

/** `%m [%p] ` of log_line_prefix: "2024-05-01 10:00:00.123 UTC [4711] ". */
const PREFIX = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[\d+\] /;

/** Severities of a report's secondary lines, which belong to the entry before them. */
const SECONDARY = new Set(["DETAIL", "HINT", "CONTEXT", "STATEMENT", "QUERY", "LOCATION"]);

/** The severity and message of a prefixed line; `%q%u@%d ` (session lines only) comes before them. */
const SEVERITY = /(?:^|\s)(DEBUG[1-5]|INFO|NOTICE|WARNING|ERROR|LOG|FATAL|PANIC|DETAIL|HINT|CONTEXT|STATEMENT|QUERY|LOCATION):  (.*)$/;

/** Splits a prefixed line into severity and message; undefined for any other line. */
function parseLine(line: string): { severity: string; message: string } | undefined {
  const prefix = PREFIX.exec(line);
  if (!prefix) return undefined;
  const match = SEVERITY.exec(line.slice(prefix[0].length));
  return match ? { severity: match[1]!, message: match[2]! } : undefined;
}

function isEntryStart(line: string): boolean {
  const parsed = parseLine(line);
  return parsed !== undefined && !SECONDARY.has(parsed.severity);
}

/** A view keeping the LOG entries whose message passes `test`. */
function logMessages(test: RegExp): LogView {
  return {
    isEntryStart,
    keep: (entry) => {
      const end = entry.indexOf("\n");
      const parsed = parseLine(end < 0 ? entry : entry.slice(0, end));
      return parsed?.severity === "LOG" && test.test(parsed.message);
    },
  };
}

/** How each guest log reads the server log. */
export const LOG_VIEWS: Readonly<Record<GuestLogName, LogView>> = {
  error: { isEntryStart },
  slow: logMessages(/^duration: \d/),
  general: logMessages(/^(statement|execute [^:]*): /),
};

/**
 * The file the collector writes now, from PostgreSQL's current_logfiles ("stderr /path/x.log");
 * undefined when the server is not running or has not written it yet.
 */
export async function currentLogFile(paths: PostgresqlPaths): Promise<string | undefined> {
  const text = await readFile(paths.currentLogfiles, "utf8").catch(() => "");
  const path = /^stderr (.+)$/m.exec(text)?.[1];
  return path ? basename(path) : undefined;
}
