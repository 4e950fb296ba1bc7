import { appendFile, mkdtemp, rename, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DatastoreSpecError } from "../errors.js";
import { pruneLogFiles } from "./log-cap.js";
import { listLogFiles, readLogFiles, type LogView } from "./log-tail.js";

const LOG = /^x\.log(\.\d+)?$/;

describe("log-tail", () => {
  let dir: string;
  let clock = Date.now() / 1000 - 1000;
  /** Gives a file an mtime later than every one written before, as writing it now would. */
  const touch = async (name: string): Promise<void> => {
    clock += 10;
    await utimes(join(dir, name), clock, clock);
  };
  const write = async (name: string, text: string): Promise<void> => {
    await writeFile(join(dir, name), text);
    await touch(name);
  };
  const append = async (name: string, text: string): Promise<void> => {
    await appendFile(join(dir, name), text);
    await touch(name);
  };
  const files = () => listLogFiles(dir, LOG);
  const lines = (from: number, to: number, tag = "l"): string => Array.from({ length: to - from + 1 }, (_, i) => `${tag}${from + i}\n`).join("");

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "log-tail-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("tails the last lines across files, within maxBytes, and follows with the cursor", async () => {
    await write("x.log.1", lines(1, 5));
    await write("x.log", lines(6, 8));
    expect((await files()).map((f) => f.path.slice(dir.length + 1))).toEqual(["x.log.1", "x.log"]);
    const tail = await readLogFiles(await files(), { lines: 4, maxBytes: 1000 });
    expect(tail.text).toBe(lines(5, 8));
    expect((await readLogFiles(await files(), { lines: 4, maxBytes: 6 })).text).toBe(lines(7, 8));

    expect((await readLogFiles(await files(), { cursor: tail.cursor, maxBytes: 1000 })).text).toBe("");
    await append("x.log", "l9\nl10\npartial");
    const next = await readLogFiles(await files(), { cursor: tail.cursor, maxBytes: 1000 });
    expect(next.text).toBe("l9\nl10\n"); // the unfinished line waits
    await append("x.log", " line\n");
    expect((await readLogFiles(await files(), { cursor: next.cursor, maxBytes: 1000 })).text).toBe("partial line\n");
  });

  it("pages forward in maxBytes chunks without losing or repeating a line", async () => {
    await write("x.log", lines(1, 100));
    let cursor = (await readLogFiles([], { lines: 1, maxBytes: 10 })).cursor; // handed out before any file
    let text = "";
    for (let reads = 0; reads < 100; reads += 1) {
      const chunk = await readLogFiles(await files(), { cursor, maxBytes: 20 });
      expect(Buffer.byteLength(chunk.text)).toBeLessThanOrEqual(20);
      if (chunk.text === "") break;
      text += chunk.text;
      cursor = chunk.cursor;
    }
    expect(text).toBe(lines(1, 100));
  });

  it("follows a file renamed by rotation, and restarts at the oldest file when its file was deleted", async () => {
    await write("x.log", lines(1, 3));
    const { cursor } = await readLogFiles(await files(), { lines: 10, maxBytes: 1000 });
    await append("x.log", lines(4, 4));
    await rename(join(dir, "x.log"), join(dir, "x.log.1"));
    await write("x.log", lines(5, 6));
    const after = await readLogFiles(await files(), { cursor, maxBytes: 1000 });
    expect(after.text).toBe(lines(4, 6));

    await rm(join(dir, "x.log.1"));
    await write("x.log.2", lines(7, 7)); // x.log.2 is now the newest; x.log the oldest left
    expect((await readLogFiles(await files(), { cursor, maxBytes: 1000 })).text).toBe(lines(5, 7));
    await expect(readLogFiles(await files(), { cursor: "not-a-cursor", maxBytes: 10 })).rejects.toThrow(DatastoreSpecError);
  });

  it("keeps whole entries of a view, and never splits one between reads", async () => {
    const view: LogView = { isEntryStart: (line) => !line.startsWith("\t"), keep: (entry) => entry.startsWith("slow") };
    await write("x.log", "fast a\nslow b\n\tmore b\nfast c\n\tmore c\nslow d\n");
    const tail = await readLogFiles(await files(), { lines: 10, maxBytes: 1000 }, view);
    expect(tail.text).toBe("slow b\n\tmore b\nslow d\n");
    expect((await readLogFiles(await files(), { lines: 1, maxBytes: 1000 }, view)).text).toBe("slow d\n");
    const first = await readLogFiles(await files(), { cursor: (await readLogFiles([], { maxBytes: 1 })).cursor, maxBytes: 16 }, view);
    expect(first.text).toBe("slow b\n\tmore b\n");
    expect((await readLogFiles(await files(), { cursor: first.cursor, maxBytes: 16 }, view)).text).toBe("slow d\n");
  });

  it("prunes the oldest files beyond a cap, never a protected one", async () => {
    await write("x.log.3", "a".repeat(100));
    await write("x.log.2", "b".repeat(100));
    await write("x.log.1", "c".repeat(100));
    await write("x.log", "d".repeat(300));
    const deleted = await pruneLogFiles(await files(), 350, (file) => file.path.endsWith("x.log"));
    expect(deleted.map((path) => path.slice(dir.length + 1))).toEqual(["x.log.3", "x.log.2", "x.log.1"]);
    expect((await files()).map((f) => f.path.slice(dir.length + 1))).toEqual(["x.log"]);
  });
});
