// The "slow" guest log of Redis: the SLOWLOG, which Redis keeps in memory (the last
// slowlog-max-len commands slower than slowlog-log-slower-than µs), rendered as text lines:
//
//   <ISO time> <id> <duration> µs <client address>[ (<client name>)] <command and arguments>
//
// The cursor is the last entry id read, with the server's run id: ids only grow within one run of
// the server (SLOWLOG RESET keeps counting), and a restarted server counts from 0 again.
import { DatastoreSpecError } from "../errors.js";
import type { LogChunk, LogReadOptions } from "../manager.js";
import type { AdminSession } from "./admin-session.js";
import type { RespValue } from "./resp.js";

const DEFAULT_LINES = 50;

/** One SLOWLOG GET entry. */
export interface SlowLogEntry {
  id: number;
  /** Unix time in seconds when the command ran. */
  time: number;
  micros: number;
  args: string[];
  client: string;
  clientName: string;
}

/** Parses a SLOWLOG GET reply (newest first, as Redis sends it). */
export function parseSlowLog(reply: RespValue): SlowLogEntry[] {
  if (!Array.isArray(reply)) return [];
  return reply.filter(Array.isArray).map((entry) => {
    const [id, time, micros, args, client, clientName] = entry;
    return {
      id: Number(id),
      time: Number(time),
      micros: Number(micros),
      args: Array.isArray(args) ? args.map(String) : [],
      client: typeof client === "string" ? client : "",
      clientName: typeof clientName === "string" ? clientName : "",
    };
  });
}

/** One entry as a line; arguments with spaces, quotes or control characters are JSON-quoted so one entry stays one line. */
export function renderSlowLogEntry(entry: SlowLogEntry): string {
  const who = entry.clientName ? `${entry.client} (${entry.clientName})` : entry.client;
  const args = entry.args.map((arg) => (/^[\x21-\x7e]+$/.test(arg) && !arg.includes('"') ? arg : JSON.stringify(arg)));
  return `${new Date(entry.time * 1000).toISOString()} ${entry.id} ${entry.micros} µs ${who || "-"} ${args.join(" ")}\n`;
}

interface Cursor {
  r: string;
  i: number;
}

/**
 * Without a cursor: the last `lines` entries, oldest first, as many of the newest as fit
 * `maxBytes`. With one: the entries after it, oldest first, as many as fit (a single entry over
 * `maxBytes` is cut), so the next read goes on where this one stopped.
 */
export async function readSlowLog(session: AdminSession, options: LogReadOptions): Promise<LogChunk> {
  const runId = /run_id:(\w+)/.exec(String(await session.call(["INFO", "server"])))?.[1] ?? "";
  const encode = (id: number): string => Buffer.from(JSON.stringify({ r: runId, i: id } satisfies Cursor)).toString("base64url");
  const maxBytes = Math.max(1, Math.floor(options.maxBytes));
  if (options.cursor === undefined) {
    const count = Math.max(1, Math.floor(options.lines ?? DEFAULT_LINES));
    const entries = parseSlowLog(await session.call(["SLOWLOG", "GET", String(count)])); // newest first
    const kept: string[] = [];
    let bytes = 0;
    for (const line of entries.map(renderSlowLogEntry)) {
      bytes += Buffer.byteLength(line);
      if (bytes > maxBytes) break;
      kept.unshift(line);
    }
    return { text: kept.join(""), cursor: encode(entries[0]?.id ?? -1) };
  }
  const cursor = decodeCursor(options.cursor);
  const after = cursor.r === runId ? cursor.i : -1; // another run: everything it has is new
  const entries = parseSlowLog(await session.call(["SLOWLOG", "GET", "-1"]))
    .filter((entry) => entry.id > after)
    .reverse();
  let text = "";
  let last = after;
  for (const entry of entries) {
    let line = renderSlowLogEntry(entry);
    if (Buffer.byteLength(text) + Buffer.byteLength(line) > maxBytes) {
      if (text !== "") break; // the next read starts with it
      line = Buffer.from(line).subarray(0, maxBytes).toString("utf8"); // too long for any chunk: its head
    }
    text += line;
    last = entry.id;
  }
  return { text, cursor: encode(last) };
}

function decodeCursor(text: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Partial<Cursor> | null;
    if (value && typeof value.r === "string" && Number.isSafeInteger(value.i)) return { r: value.r, i: value.i as number };
  } catch {
    // reported below
  }
  throw new DatastoreSpecError("the slow log cursor is not one this log handed out");
}
