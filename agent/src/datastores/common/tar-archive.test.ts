import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tarArchive, tarHeader } from "./tar-archive.js";

describe("tarArchive", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hoard-tar-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes an archive GNU tar extracts byte for byte, empty files and odd sizes included", async () => {
    const big = Buffer.alloc(200_001, 7);
    big.write("start");
    await writeFile(join(dir, "big.bin"), big);
    await writeFile(join(dir, "empty"), "");
    const chunks: Buffer[] = [];
    for await (const chunk of tarArchive([
      { name: "data.rdb", path: join(dir, "big.bin") },
      { name: "users.acl", path: join(dir, "empty") },
    ])) {
      chunks.push(chunk);
    }
    const archive = Buffer.concat(chunks);
    expect(archive.length % 512).toBe(0);
    const out = join(dir, "out");
    await mkdir(out);
    execFileSync("tar", ["-x", "-f", "-", "-C", out], { input: archive });
    expect((await readFile(join(out, "data.rdb"))).equals(big)).toBe(true);
    expect(await readFile(join(out, "users.acl"), "utf8")).toBe("");
  });

  it("keeps the bytes of the file it opened when the name is replaced meanwhile", async () => {
    await writeFile(join(dir, "snap"), Buffer.alloc(300_000, 1));
    const reading = tarArchive([{ name: "snap", path: join(dir, "snap") }]);
    const first = await reading.next(); // the header: the file is open and its size taken
    await writeFile(join(dir, "snap.new"), "replaced");
    await rename(join(dir, "snap.new"), join(dir, "snap"));
    const chunks: Buffer[] = [first.value as Buffer];
    for await (const chunk of reading) chunks.push(chunk);
    const out = join(dir, "out2");
    await mkdir(out);
    execFileSync("tar", ["-x", "-f", "-", "-C", out], { input: Buffer.concat(chunks) });
    expect((await readFile(join(out, "snap"))).equals(Buffer.alloc(300_000, 1))).toBe(true);
  });

  it("writes sizes of 8 GiB and more in base-256", () => {
    const size = 9 * 1024 ** 3 + 5;
    const header = tarHeader("huge.rdb", size, 0);
    expect(header[124]).toBe(0x80);
    let decoded = 0n;
    for (let at = 125; at < 136; at++) decoded = (decoded << 8n) | BigInt(header[at]!);
    expect(decoded).toBe(BigInt(size));
    expect(tarHeader("small", 10, 0).subarray(124, 136).toString()).toBe("00000000012\u0000");
  });
});
