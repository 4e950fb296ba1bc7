// A tar stream (POSIX ustar) of a few regular files, written by the agent itself. GNU tar would
// fail an archive whose file was replaced while it read it ("file changed as we read it", exit 1),
// which is exactly what a server does to its snapshot file on its next save; here each file is
// opened once and its size taken then, so the archive holds that inode's bytes whatever happens to
// the name afterwards. Sizes past ustar's 8 GiB use GNU's base-256 field, which tar -x reads.
import { open } from "node:fs/promises";

const BLOCK = 512;

/** One member: its name in the archive and the file it is read from. */
export interface ArchiveMember {
  name: string;
  path: string;
}

/** Yields the archive of `members`, in order, reading each file as the consumer pulls. */
export async function* tarArchive(members: readonly ArchiveMember[]): AsyncGenerator<Buffer, void, undefined> {
  for (const member of members) {
    const handle = await open(member.path, "r");
    try {
      const info = await handle.stat();
      yield tarHeader(member.name, info.size, Math.floor(info.mtimeMs / 1000));
      let copied = 0;
      if (info.size > 0) {
        for await (const chunk of handle.createReadStream({ start: 0, end: info.size - 1, autoClose: false })) {
          copied += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      }
      if (copied !== info.size) throw new Error(`${member.path} shrank while it was archived (${copied} of ${info.size} bytes)`);
      const padding = (BLOCK - (info.size % BLOCK)) % BLOCK;
      if (padding > 0) yield Buffer.alloc(padding);
    } finally {
      await handle.close();
    }
  }
  yield Buffer.alloc(2 * BLOCK); // end of archive
}

/** The 512-byte header of a regular file, mode 0600, owned by uid/gid 0 (tar -x as the server's account takes it over). */
export function tarHeader(name: string, size: number, mtimeSeconds: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar member name ${name} is longer than 100 bytes`);
  header.write(name, 0, 100, "utf8");
  header.write(octal(0o600, 8), 100);
  header.write(octal(0, 8), 108);
  header.write(octal(0, 8), 116);
  writeSize(header, size);
  header.write(octal(mtimeSeconds, 12), 136);
  header.fill(" ", 148, 156); // the checksum counts its own field as spaces
  header.write("0", 156); // a regular file
  header.write("ustar\u000000", 257);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148);
  return header;
}

/** `value` in octal, zero-padded, NUL-terminated, in a field of `width` bytes. */
function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\u0000`;
}

/** Octal up to 8 GiB - 1; base-256 (first byte 0x80, big-endian) beyond. */
function writeSize(header: Buffer, size: number): void {
  if (size < 8 ** 11) {
    header.write(octal(size, 12), 124);
    return;
  }
  header[124] = 0x80;
  let rest = BigInt(size);
  for (let at = 135; at > 124; at--) {
    header[at] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}
