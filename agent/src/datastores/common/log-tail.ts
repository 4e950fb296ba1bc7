// Reading an engine's log files back for ReadLog: the last lines, or what came after a cursor,
// across rotated files, optionally narrowed to the entries of one view (PostgreSQL's slow and
// general logs are views of its one server log). Engine-neutral; engines describe their files and
// entries, this module does the byte work.
//
// API
//   listLogFiles(dir, pattern)        the files of a log, oldest first, with size and identity
//   readLogFiles(files, options, view) a LogChunk: with options.cursor, whatever follows it;
//                                      without, the last options.lines lines (default 50); at most
//                                      options.maxBytes of text either way
//   LogView { isEntryStart?, keep? }  how lines group into entries (default: one line, one entry)
//                                      and which entries the view shows (default: all)
//
// Guarantees
// - Only whole lines are returned, and a cursor always sits on an entry boundary, so a follower
//   never sees half an entry and never sees one twice. A line still being written (no newline yet
//   at the end of the newest file) waits for the next read.
// - The cursor is opaque base64url JSON {f: file name, i: inode, b: birth time, o: byte offset}. It
//   survives rotation: a file rotated by rename (x.log -> x.log.1) is found again by its inode and
//   birth time (the time tells a reused inode apart, where the file system records one); a file
//   deleted by a cap (oldest first) makes the read continue at the start of the oldest file left,
//   which is then newer than what the cursor had read, so nothing still on disk is skipped; a file
//   truncated below the offset is read again from its start.
// - Reads are bounded: a cursor read looks at most `scanBytes` of raw log (default 4 MiB; a view
//   that keeps little may return "" with a cursor further on: read again), a tail read looks back
//   at most `scanBytes` (default 16 MiB) for its lines.
import { open, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { DatastoreSpecError } from "../errors.js";
import type { LogChunk, LogReadOptions } from "../manager.js";

/** One file of a log, as listLogFiles reports it. */
export interface LogFile {
  path: string;
  /** Bytes when listed; reads look at the size the file has then. */
  size: number;
  /** Inode number as a decimal string (inodes can exceed 2^53): the file's identity across renames. */
  ino: string;
  /** Birth time in ns as a decimal string, "0" where the file system keeps none: tells a reused inode apart. */
  born: string;
  mtimeMs: number;
}

/** How a log's lines group into entries, and which entries a view of it shows. */
export interface LogView {
  /** True when `line` (without its newline) begins an entry; other lines continue the one before. Default: every line. */
  isEntryStart?: (line: string) => boolean;
  /** True when the view shows `entry` (its lines, newlines included). Default: every entry. */
  keep?: (entry: string) => boolean;
}

/** LogReadOptions (`lines` applies without a cursor only), plus how many raw bytes one read may look at. */
export interface ReadLogFilesOptions extends LogReadOptions {
  scanBytes?: number;
}

const DEFAULT_LINES = 50;
const FORWARD_SCAN_BYTES = 4 * 1024 * 1024;
const TAIL_SCAN_BYTES = 16 * 1024 * 1024;
const BLOCK_BYTES = 256 * 1024;
const NEWLINE = 0x0a;

/**
 * The files in `dir` whose names match `pattern`, oldest first: by modification time (a rotated
 * file is no longer written, its successor is), then by name. Missing `dir`: no files.
 */
export async function listLogFiles(dir: string, pattern: RegExp): Promise<LogFile[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => pattern.test(name));
  const files = await Promise.all(
    names.map(async (name): Promise<LogFile | undefined> => {
      const path = join(dir, name);
      const info = await stat(path, { bigint: true }).catch(() => undefined);
      if (!info?.isFile()) return undefined;
      return {
        path,
        size: Number(info.size),
        ino: info.ino.toString(),
        born: info.birthtimeNs.toString(),
        mtimeMs: Number(info.mtimeNs / 1_000_000n),
      };
    }),
  );
  return files
    .filter((file): file is LogFile => file !== undefined)
    .sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Reads `files` (oldest first, as listLogFiles returns them) as described in the header. */
export async function readLogFiles(files: LogFile[], options: ReadLogFilesOptions, view: LogView = {}): Promise<LogChunk> {
  const maxBytes = Math.max(1, Math.floor(options.maxBytes));
  if (options.cursor === undefined) {
    const lines = Math.max(1, Math.floor(options.lines ?? DEFAULT_LINES));
    return readTail(files, lines, maxBytes, options.scanBytes ?? TAIL_SCAN_BYTES, view);
  }
  const start = locate(files, decodeCursor(options.cursor));
  if (!start) return { text: "", cursor: options.cursor }; // no files at all (yet)
  return readForward(files, start, maxBytes, options.scanBytes ?? FORWARD_SCAN_BYTES, view);
}

interface Cursor {
  f: string;
  i: string;
  b: string;
  o: number;
}

interface Position {
  index: number;
  offset: number;
}

function encodeCursor(file: LogFile | undefined, offset: number): string {
  const cursor: Cursor = { f: file ? basename(file.path) : "", i: file?.ino ?? "", b: file?.born ?? "", o: offset };
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeCursor(text: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Partial<Cursor> | null;
    const strings = value && [value.f, value.i, value.b].every((field) => typeof field === "string");
    if (value && strings && Number.isSafeInteger(value.o) && (value.o ?? -1) >= 0) {
      return { f: value.f!, i: value.i!, b: value.b!, o: value.o! };
    }
  } catch {
    // reported below
  }
  throw new DatastoreSpecError("the log cursor is not one this log handed out");
}

/** Where a cursor points now; see the header for rotation. Undefined when there are no files. */
function locate(files: LogFile[], cursor: Cursor): Position | undefined {
  if (files.length === 0) return undefined;
  const at = (index: number): Position => ({ index, offset: cursor.o <= (files[index]?.size ?? 0) ? cursor.o : 0 });
  const byName = files.findIndex((file) => basename(file.path) === cursor.f && file.ino === cursor.i);
  if (byName >= 0) return at(byName);
  const byInode = cursor.i === "" ? -1 : files.findIndex((file) => file.ino === cursor.i && file.born === cursor.b);
  if (byInode >= 0) return at(byInode);
  // Deleted (oldest first), or handed out before the log had files: everything left is newer.
  return { index: 0, offset: 0 };
}

/** Reads at most `length` bytes of `path` from `offset`; whether that reached the end of the file. */
async function readRange(path: string, offset: number, length: number): Promise<{ data: Buffer; eof: boolean }> {
  const handle = await open(path, "r").catch(() => undefined);
  if (!handle) return { data: Buffer.alloc(0), eof: true }; // deleted under us: nothing more in it
  try {
    const { size } = await handle.stat();
    const wanted = Math.max(0, Math.min(length, size - offset));
    const data = Buffer.alloc(wanted);
    const { bytesRead } = await handle.read(data, 0, wanted, offset);
    return { data: data.subarray(0, bytesRead), eof: offset + bytesRead >= size };
  } finally {
    await handle.close();
  }
}

/** Splits whole lines into entries: [start, end) byte ranges of `data`. */
function entriesOf(data: Buffer, view: LogView): Array<[number, number]> {
  const entries: Array<[number, number]> = [];
  let lineStart = 0;
  while (lineStart < data.length) {
    const newline = data.indexOf(NEWLINE, lineStart);
    const lineEnd = newline < 0 ? data.length : newline + 1;
    const last = entries.at(-1);
    if (last && view.isEntryStart && !view.isEntryStart(data.toString("utf8", lineStart, newline < 0 ? lineEnd : newline))) {
      last[1] = lineEnd;
    } else {
      entries.push([lineStart, lineEnd]);
    }
    lineStart = lineEnd;
  }
  return entries;
}

/**
 * How much of a block read at `offset` can be consumed now: up to the last entry that is surely
 * complete. At the end of the newest file only whole lines count (the engine may be mid-write);
 * at the end of a rotated file everything does; inside a file, up to the last entry start.
 */
function usableLength(data: Buffer, eof: boolean, newest: boolean, view: LogView): number {
  if (eof && !newest) return data.length;
  const lastNewline = data.lastIndexOf(NEWLINE);
  if (eof) return lastNewline + 1;
  if (view.isEntryStart) {
    const entries = entriesOf(data.subarray(0, lastNewline + 1), view);
    const lastStart = entries.at(-1)?.[0] ?? 0;
    if (lastStart > 0) return lastStart;
  }
  // One line (or entry) longer than a block: hand it over in pieces rather than stall.
  return lastNewline >= 0 ? lastNewline + 1 : data.length;
}

async function readForward(files: LogFile[], start: Position, maxBytes: number, scanBytes: number, view: LogView): Promise<LogChunk> {
  const out: Buffer[] = [];
  let outBytes = 0;
  let scanned = 0;
  let { index, offset } = start;
  const done = (): LogChunk => ({ text: Buffer.concat(out).toString("utf8"), cursor: encodeCursor(files[index], offset) });
  for (;;) {
    const file = files[index]!;
    const newest = index === files.length - 1;
    const { data, eof } = await readRange(file.path, offset, Math.min(BLOCK_BYTES, Math.max(maxBytes, 64 * 1024)));
    const usable = usableLength(data, eof, newest, view);
    let consumed = 0;
    for (const [from, to] of entriesOf(data.subarray(0, usable), view)) {
      const entry = data.subarray(from, to);
      if (!view.keep || view.keep(entry.toString("utf8"))) {
        if (outBytes + entry.length > maxBytes && outBytes > 0) break; // the next read starts with it
        out.push(entry.subarray(0, maxBytes)); // an entry over a whole chunk: its head only
        outBytes += Math.min(entry.length, maxBytes);
      }
      consumed = to;
      if (outBytes >= maxBytes) break;
    }
    offset += consumed;
    scanned += consumed;
    if (outBytes >= maxBytes || scanned >= scanBytes || consumed < usable) return done();
    if (!eof) continue; // more of this file
    if (newest || usable < data.length) return done(); // caught up, or a line still being written
    index += 1;
    offset = 0;
  }
}

interface Segment {
  index: number;
  /** Offset in the file where `data` starts. */
  from: number;
  data: Buffer;
}

async function readTail(files: LogFile[], lines: number, maxBytes: number, scanBytes: number, view: LogView): Promise<LogChunk> {
  const last = files.length - 1;
  const newest = files[last];
  if (!newest) return { text: "", cursor: encodeCursor(undefined, 0) };
  const end = await wholeLinesEnd(newest);
  const segments: Segment[] = [];
  let kept: Buffer[] = [];
  for (let window = 64 * 1024; ; window *= 4) {
    // The last `window` bytes before `end`, across older files when the newest holds fewer.
    let need = Math.min(window, scanBytes);
    segments.length = 0;
    for (let index = last; index >= 0 && need > 0; index -= 1) {
      const file = files[index]!;
      const size = index === last ? end : file.size;
      const from = Math.max(0, size - need);
      const { data } = await readRange(file.path, from, size - from);
      segments.unshift({ index, from, data });
      need -= data.length;
      if (from > 0) break;
    }
    kept = keptEntries(segments, view);
    const keptBytes = kept.reduce((sum, entry) => sum + entry.length, 0);
    const keptLines = kept.reduce((sum, entry) => sum + countLines(entry), 0);
    const first = segments[0];
    const reachedStart = !first || (first.index === 0 && first.from === 0);
    if (keptLines >= lines || keptBytes >= maxBytes || reachedStart || window >= scanBytes) break;
  }
  return { text: lastLines(Buffer.concat(kept), lines, maxBytes), cursor: encodeCursor(newest, end) };
}

/** Where the newest file's whole lines end: a line still being written is left for the next read. */
async function wholeLinesEnd(file: LogFile): Promise<number> {
  const size = (await stat(file.path).catch(() => undefined))?.size ?? 0;
  for (let from = size; from > 0; ) {
    const start = Math.max(0, from - BLOCK_BYTES);
    const { data } = await readRange(file.path, start, from - start);
    const newline = data.lastIndexOf(NEWLINE);
    if (newline >= 0) return start + newline + 1;
    from = start;
  }
  return 0;
}

/** The kept entries of the segments; a segment starting inside a file drops its first, partial entry. */
function keptEntries(segments: Segment[], view: LogView): Buffer[] {
  const kept: Buffer[] = [];
  segments.forEach((segment, n) => {
    const entries = entriesOf(segment.data, view);
    if (n === 0 && segment.from > 0) entries.shift(); // may have begun before the window
    for (const [from, to] of entries) {
      const entry = segment.data.subarray(from, to);
      if (!view.keep || view.keep(entry.toString("utf8"))) kept.push(entry);
    }
  });
  return kept;
}

function countLines(data: Buffer): number {
  let count = 0;
  for (let at = data.indexOf(NEWLINE); at >= 0; at = data.indexOf(NEWLINE, at + 1)) count += 1;
  return count + (data.length > 0 && data[data.length - 1] !== NEWLINE ? 1 : 0);
}

/** The last `lines` lines of `data`, then as many of those as fit in `maxBytes` (the newest kept). */
function lastLines(data: Buffer, lines: number, maxBytes: number): string {
  let start = data.length;
  let body = data.length > 0 && data[data.length - 1] === NEWLINE ? data.length - 1 : data.length;
  for (let count = 0; count < lines && body > 0; count += 1) {
    const newline = data.lastIndexOf(NEWLINE, body - 1);
    const lineStart = newline + 1;
    if (data.length - lineStart > maxBytes) {
      if (count === 0) start = data.length - maxBytes; // one line over the limit: its end
      break;
    }
    start = lineStart;
    body = newline;
  }
  return data.subarray(start).toString("utf8");
}
