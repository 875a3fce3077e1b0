// A file (or an in-memory buffer) read in chunks, for the streaming history readers: a 300 MB
// history is never one string, and nothing but the chunk being parsed is held as bytes.
//
// A reader parses from `bytes[0 … length)`. When a form runs past the end, it asks for more with
// refill(keepFrom): the bytes from keepFrom on move to the front and the next chunk follows them,
// so the reader re-reads the cut form from its start (forms are small: one op each).

import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** 4 MiB: large enough that re-reading a form cut at a chunk boundary is rare and cheap. */
const CHUNK_BYTES = 4 << 20;

export class ByteSource {
  /** Bytes [0, length) hold the file from `offset` on. */
  bytes: Buffer;
  length = 0;
  /** File offset of bytes[0]. */
  offset = 0;
  /** True once every byte up to the limit has been read into `bytes`. */
  done = false;

  private constructor(
    private readonly read: (into: Buffer, at: number, count: number, position: number) => number,
    /** Bytes to read at most (a file's size, or less to stop early). */
    readonly limit: number,
    private readonly release: () => void,
    chunkBytes: number,
  ) {
    this.bytes = Buffer.allocUnsafe(Math.max(1, Math.min(chunkBytes, limit)));
    this.fill();
  }

  static fromFile(path: string, limit?: number, chunkBytes = CHUNK_BYTES): ByteSource {
    const fd = openSync(path, "r");
    try {
      const size = fstatSync(fd).size;
      return new ByteSource((into, at, count, position) => readSync(fd, into, at, count, position), Math.min(size, limit ?? size), () => closeSync(fd), chunkBytes);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  static fromBuffer(buffer: Buffer, limit?: number, chunkBytes = CHUNK_BYTES): ByteSource {
    return new ByteSource((into, at, count, position) => buffer.copy(into, at, position, position + count), Math.min(buffer.length, limit ?? buffer.length), () => {}, chunkBytes);
  }

  /** Keeps bytes[keepFrom …] and reads more after them; returns false when nothing more came. */
  refill(keepFrom: number): boolean {
    if (this.done) return false;
    const kept = this.length - keepFrom;
    if (keepFrom === 0 && kept === this.bytes.length) {
      // One form larger than the buffer: grow it.
      const bigger = Buffer.allocUnsafe(this.bytes.length * 2);
      this.bytes.copy(bigger, 0, 0, this.length);
      this.bytes = bigger;
    } else if (keepFrom > 0) {
      this.bytes.copy(this.bytes, 0, keepFrom, this.length);
      this.offset += keepFrom;
      this.length = kept;
    }
    const before = this.length;
    this.fill();
    return this.length > before;
  }

  close(): void {
    this.release();
  }

  private fill(): void {
    for (;;) {
      const position = this.offset + this.length;
      const count = Math.min(this.bytes.length - this.length, this.limit - position);
      if (count <= 0) break;
      const read = this.read(this.bytes, this.length, count, position);
      if (read <= 0) break;
      this.length += read;
    }
    this.done = this.offset + this.length >= this.limit;
  }
}

/** What the torn-last-line rule needs to know about a file: whether it ends in a newline, how
 *  many lines it has, and where the last one starts. */
export function lineShape(open: () => ByteSource): { endsWithNewline: boolean; lines: number; lastLineStart: number; size: number } {
  const source = open();
  try {
    let lines = 1;
    let lastLineStart = 0;
    let last = -1;
    for (;;) {
      const { bytes, length, offset } = source;
      for (let i = bytes.indexOf(10, 0); i !== -1 && i < length; i = bytes.indexOf(10, i + 1)) {
        lines++;
        lastLineStart = offset + i + 1;
      }
      if (length > 0) last = bytes[length - 1];
      if (!source.refill(length)) break;
    }
    return { endsWithNewline: last === 10, lines, lastLineStart, size: source.offset + source.length };
  } finally {
    source.close();
  }
}
