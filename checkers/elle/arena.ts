// Where the checker's typed arrays come from.
//
// V8 counts every ArrayBuffer against an external-memory budget and starts a full mark-compact of
// the JS heap each time the budget is exceeded (roughly every 64 MB allocated). The history being
// checked is a large, live JS heap (about 1 GB for a million transactions), so each such
// collection costs seconds, and their number grows with the history: a checker that allocates
// its arrays one by one turns linear work into quadratic time. An arena takes one big buffer up
// front (pages the checker never touches are never made resident) and hands out views of it, so
// a whole check triggers at most a collection or two.

export interface Allocator {
  int32(length: number): Int32Array;
  uint16(length: number): Uint16Array;
  uint8(length: number): Uint8Array;
}

/** Plain allocation, for small or one-off arrays (per-component searches, tests). */
export const HEAP_ALLOCATOR: Allocator = {
  int32: (length) => new Int32Array(length),
  uint16: (length) => new Uint16Array(length),
  uint8: (length) => new Uint8Array(length),
};

const MIN_CHUNK_BYTES = 64 * 2 ** 20;

/** Bump allocation from large zero-filled chunks; nothing is freed until the arena is dropped or
 *  reset. */
export class Arena implements Allocator {
  private buffer: ArrayBuffer;
  private offset = 0;
  /** Set by reset(): memory handed out again must be zeroed by hand. */
  private reused = false;
  /** Bytes handed out, and chunks opened after the first, for stats. */
  used = 0;
  extraChunks = 0;

  constructor(initialBytes: number) {
    this.buffer = new ArrayBuffer(Math.max(1024, Math.ceil(initialBytes / 8) * 8));
  }

  int32(length: number): Int32Array {
    const array = new Int32Array(this.take(length * 4), this.offset - length * 4, length);
    return this.reused ? array.fill(0) : array;
  }

  uint16(length: number): Uint16Array {
    const array = new Uint16Array(this.take(length * 2), this.offset - length * 2, length);
    return this.reused ? array.fill(0) : array;
  }

  uint8(length: number): Uint8Array {
    const array = new Uint8Array(this.take(length), this.offset - length, length);
    return this.reused ? array.fill(0) : array;
  }

  /** Hands the current chunk out again from its start. Every array taken before is invalid after:
   *  for scratch space whose arrays die together (one component's search). */
  reset(): void {
    this.offset = 0;
    this.reused = true;
  }

  /** Reserves `bytes` (8-aligned start) in the current chunk, opening a new chunk if needed. */
  private take(bytes: number): ArrayBuffer {
    let start = (this.offset + 7) & ~7;
    if (start + bytes > this.buffer.byteLength) {
      // Double a small arena, add 64 MB to a large one: few chunks either way.
      const chunk = Math.min(MIN_CHUNK_BYTES, 2 * this.buffer.byteLength);
      this.buffer = new ArrayBuffer(Math.max(chunk, Math.ceil(bytes / 8) * 8));
      this.extraChunks++;
      this.reused = false;
      start = 0;
    }
    this.offset = start + bytes;
    this.used += bytes;
    return this.buffer;
  }
}
