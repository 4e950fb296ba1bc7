// The contract every BackupStorage driver keeps, run against the directory driver and a real
// nats-server, then what each driver promises on its own (crash safety, bounded reads).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import v8 from "node:v8";
import vm from "node:vm";
import { buffer } from "node:stream/consumers";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNats, type NatsServer } from "../../../test/e2e/harness.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import { createFileStorage } from "./file-storage.js";
import { createNatsStorage } from "./nats-storage.js";
import type { BackupStorage } from "./storage.js";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "hoard-backup-storage-"));
let server: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startNats(scratch);
  nc = await connect({ servers: server.url });
});

afterAll(async () => {
  await nc?.close();
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

let buckets = 0;
const drivers: [string, () => Promise<BackupStorage>][] = [
  ["file", async () => createFileStorage(fs.mkdtempSync(path.join(scratch, "files-")))],
  ["nats", async () => createNatsStorage(nc, { bucket: `contract-${++buckets}` })],
];

/** A full garbage collection, so memory figures count live buffers only. */
function collectGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

/** A source that sends `good` bytes, then fails: a backup tool dying part-way. */
function failingSource(good: number, error = new Error("pg_basebackup exited with status 1")): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(randomBytes(good));
      } else {
        this.destroy(error);
      }
    },
  });
}

describe.each(drivers)("%s storage", (_kind, open) => {
  let storage: BackupStorage;
  beforeAll(async () => {
    storage = await open();
  });

  it.each([0, 1, 300_000])("stores and returns %i bytes", async (size) => {
    const data = randomBytes(size);
    const key = `round-trip/${size}.bin`;
    expect(await storage.exists(key)).toBe(false);
    expect(await storage.put(key, Readable.from([data]))).toEqual({ bytes: size });
    expect(await storage.exists(key)).toBe(true);
    expect((await buffer(await storage.get(key))).equals(data)).toBe(true);
  });

  it("replaces an object under the same key", async () => {
    await storage.put("replace/x", Readable.from([Buffer.from("first")]));
    await storage.put("replace/x", Readable.from([Buffer.from("second")]));
    expect((await buffer(await storage.get("replace/x"))).toString()).toBe("second");
  });

  it("reports a missing object as NotFoundError naming the key; a key prefix is not an object", async () => {
    await expect(storage.get("missing/base.bin")).rejects.toThrow(NotFoundError);
    await expect(storage.get("missing/base.bin")).rejects.toThrow('backup object "missing/base.bin" not found');
    await storage.put("prefix/base.bin", Readable.from([Buffer.from("x")]));
    await expect(storage.get("prefix")).rejects.toThrow(NotFoundError);
    expect(await storage.exists("prefix")).toBe(false);
  });

  it("deletes idempotently", async () => {
    await storage.put("del/base.bin", Readable.from([randomBytes(1000)]));
    await storage.delete("del/base.bin");
    await storage.delete("del/base.bin");
    await storage.delete("never/was");
    expect(await storage.exists("del/base.bin")).toBe(false);
    await expect(storage.get("del/base.bin")).rejects.toThrow(NotFoundError);
    await storage.put("del/base.bin", Readable.from([Buffer.from("again")]));
    expect((await buffer(await storage.get("del/base.bin"))).toString()).toBe("again");
  });

  it("lists the complete objects under a prefix, sorted, at any depth, and nothing else", async () => {
    expect(await storage.list("listing/")).toEqual([]);
    for (const key of ["listing/b", "listing/a", "listing/deep/c", "listing-other/x", "listingx"]) {
      await storage.put(key, Readable.from([Buffer.from(key)]));
    }
    await storage.put("listing/failed", failingSource(10)).catch(() => undefined);
    expect(await storage.list("listing/")).toEqual(["listing/a", "listing/b", "listing/deep/c"]);
    await storage.delete("listing/a");
    expect(await storage.list("listing/")).toEqual(["listing/b", "listing/deep/c"]);
    await expect(storage.list("listing")).rejects.toThrow(InvalidArgumentError);
    await expect(storage.list("../")).rejects.toThrow(InvalidArgumentError);
  });

  it("refuses bad keys everywhere, and destroys the data of a refused put", async () => {
    for (const key of ["../escape", "/abs", "a/../../b", ".hidden", "a b"]) {
      const data = Readable.from([Buffer.from("x")]);
      await expect(storage.put(key, data)).rejects.toThrow(InvalidArgumentError);
      expect(data.destroyed).toBe(true);
      await expect(storage.get(key)).rejects.toThrow(InvalidArgumentError);
      await expect(storage.delete(key)).rejects.toThrow(InvalidArgumentError);
      await expect(storage.exists(key)).rejects.toThrow(InvalidArgumentError);
    }
    expect(fs.existsSync(path.join(scratch, "escape"))).toBe(false);
  });

  it("a put whose source fails leaves nothing new: no object, or the previous one intact", async () => {
    await expect(storage.put("fail/new", failingSource(400_000))).rejects.toThrow("pg_basebackup exited with status 1");
    expect(await storage.exists("fail/new")).toBe(false);
    await storage.put("fail/old", Readable.from([Buffer.from("previous")]));
    await expect(storage.put("fail/old", failingSource(400_000))).rejects.toThrow("pg_basebackup exited");
    expect((await buffer(await storage.get("fail/old"))).toString()).toBe("previous");
  });

  it("an aborted put rejects and leaves no object", async () => {
    const controller = new AbortController();
    const endless = new Readable({
      read() {
        this.push(randomBytes(64 * 1024));
      },
    });
    const putting = storage.put("abort/base.bin", endless, controller.signal);
    setTimeout(() => controller.abort(), 100);
    await expect(putting).rejects.toThrow();
    expect(endless.destroyed).toBe(true);
    expect(await storage.exists("abort/base.bin")).toBe(false);
  });
});

describe("file storage on its own", () => {
  it("shows no object under the real name until the put completes", async () => {
    const dir = fs.mkdtempSync(path.join(scratch, "atomic-"));
    const storage = createFileStorage(dir);
    expect(storage.location).toBe(dir); // what createFileStorage takes back when a restore reopens it
    const source = new Readable({ read() {} });
    const putting = storage.put("b1/base.bin", source);
    source.push(randomBytes(100_000));
    await new Promise((r) => setTimeout(r, 100));
    expect(await storage.exists("b1/base.bin")).toBe(false);
    const inProgress = fs.readdirSync(path.join(dir, "b1"));
    expect(inProgress).toHaveLength(1);
    expect(inProgress[0]).toMatch(/^\.base\.bin\.[0-9a-f]+\.partial$/);
    source.push(null);
    expect(await putting).toEqual({ bytes: 100_000 });
    expect(fs.readdirSync(path.join(dir, "b1"))).toEqual(["base.bin"]);
    expect(fs.statSync(path.join(dir, "b1/base.bin")).mode & 0o777).toBe(0o600);
  });

  it("a process killed mid-put leaves no object under the real name; delete clears the leftover", async () => {
    const dir = fs.mkdtempSync(path.join(scratch, "crash-"));
    const script = `import { Readable } from "node:stream";
import { createFileStorage } from ${JSON.stringify(path.join(import.meta.dirname, "file-storage.ts"))};
let sent = 0;
const source = new Readable({ read() { this.push(Buffer.alloc(65536, 7)); sent += 65536; if (sent === 8 << 20) process.stdout.write("halfway\\n"); } });
await createFileStorage(${JSON.stringify(dir)}).put("b1/base.bin", source);`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("halfway") && resolve());
      child.once("exit", (code) => reject(new Error(`writer exited (${code}) before halfway`)));
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;

    const storage = createFileStorage(dir);
    const left = fs.readdirSync(path.join(dir, "b1"));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/\.partial$/);
    expect(await storage.exists("b1/base.bin")).toBe(false);
    await expect(storage.get("b1/base.bin")).rejects.toThrow(NotFoundError);
    await storage.delete("b1/base.bin");
    expect(fs.existsSync(path.join(dir, "b1"))).toBe(false);
  });
});

describe("nats storage on its own", () => {
  it("creates its bucket when missing and finds the objects of an existing one", async () => {
    const first = await createNatsStorage(nc, { bucket: "created-here" });
    expect(first.location).toBe("created-here");
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info("OBJ_created-here")).config.storage).toBe("file");
    await first.put("b1/base.bin", Readable.from([Buffer.from("kept")]));
    const second = await createNatsStorage(nc, { bucket: "created-here" });
    expect((await buffer(await second.get("b1/base.bin"))).toString()).toBe("kept");
  });

  it("reads an object only as fast as it is consumed (a 50 MB object is not pulled into memory)", async () => {
    const storage = await createNatsStorage(nc, { bucket: "bounded-read" });
    await storage.put("big/base.bin", Readable.from(Array.from({ length: 50 * 16 }, () => randomBytes(64 * 1024))));
    collectGarbage();
    const before = process.memoryUsage().arrayBuffers;
    const stream = await storage.get("big/base.bin");
    stream.once("readable", () => undefined); // start the read, then do not consume
    await new Promise((r) => setTimeout(r, 1500));
    collectGarbage();
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(8 * 1024 * 1024); // about chunksPerPull (8) chunks of 128 KiB, plus slack
    let bytes = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) bytes += chunk.length;
    expect(bytes).toBe(50 * 1024 * 1024);
  });
});
