// A FIFO of bytes for cutting a stream of arbitrary chunks into fixed-size frames without
// re-concatenating everything buffered on each chunk (which would be quadratic).
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0; // bytes of chunks[0] already taken
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Removes and returns the first `n` bytes (n <= length). */
  take(n: number): Buffer {
    if (n > this.length) throw new RangeError(`take(${n}) from a queue of ${this.length} bytes`);
    const parts: Buffer[] = [];
    let needed = n;
    while (needed > 0) {
      const first = this.chunks[0] as Buffer;
      const available = first.length - this.head;
      const size = Math.min(available, needed);
      parts.push(first.subarray(this.head, this.head + size));
      needed -= size;
      if (size === available) {
        this.chunks.shift();
        this.head = 0;
      } else {
        this.head += size;
      }
    }
    this.length -= n;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, n);
  }
}
