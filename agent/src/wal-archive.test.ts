// The WAL archive an agent remembers across restarts: written 0600 and read back as sent, and the
// archive messages of requests checked field by field.
import { create } from "@bufbuild/protobuf";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WalArchiveSchema } from "../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { InvalidArgumentError } from "../../services/platform/errors.js";
import { createWalArchiveFile, walArchiveOf } from "./wal-archive.js";

const dir = mkdtempSync(join(tmpdir(), "hoard-wal-archive-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("WAL archive file", () => {
  it("is empty until saved, then gives back what was saved to a new reader (an agent after a restart), readable by the agent only", async () => {
    const archive = { storage: { kind: "file", location: "/srv/backups" }, prefix: "wal/i-1/", dataKey: Buffer.alloc(32, 7) };
    expect(await createWalArchiveFile(dir).load()).toBeUndefined();
    await createWalArchiveFile(dir).save(archive);
    expect(await createWalArchiveFile(dir).load()).toEqual(archive);
    expect(statSync(join(dir, "wal-archive.json")).mode & 0o777).toBe(0o600);
  });
});

describe("walArchiveOf", () => {
  const good = { storage: { kind: "nats", location: "hoard-backups" }, prefix: "wal/i-1/", dataKey: new Uint8Array(32) };

  it("takes a complete archive", () => {
    expect(walArchiveOf(create(WalArchiveSchema, good), "wal_archive")).toMatchObject({ storage: good.storage, prefix: "wal/i-1/" });
  });

  it.each([
    ["a missing storage", { ...good, storage: undefined }, "wal_archive.storage"],
    ["a prefix without a slash", { ...good, prefix: "wal/i-1" }, "wal_archive.prefix"],
    ["a prefix climbing out", { ...good, prefix: "../x/" }, "wal_archive.prefix"],
    ["a short key", { ...good, dataKey: new Uint8Array(16) }, "wal_archive.data_key"],
  ])("refuses %s, naming the field", (_what, fields, field) => {
    expect(() => walArchiveOf(create(WalArchiveSchema, fields), "wal_archive")).toThrow(InvalidArgumentError);
    expect(() => walArchiveOf(create(WalArchiveSchema, fields), "wal_archive")).toThrow(field);
  });
});
