// Jute's binary output archive (ZooKeeper's BinaryOutputArchive); the layout is in reader.ts.

const utf8 = new TextEncoder();
/** A finished writer's buffer: writing to it again is a bug, reported by reserve(). */
const FINISHED = Buffer.alloc(0);

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Writers fill a reused scratch buffer and copy out only what they wrote: a fresh buffer per
 *  writer (and one per string) put a malloc'd backing store, and its sweeping by the GC, on every
 *  message — under load the servers' largest cost after the kernel's. Writers nest (a message
 *  carries an encoded request), so there is a stack of scratch buffers, not one. */
const SCRATCH_BYTES = 64 * 1024;
const MAX_SPARE_SCRATCH = 4;
const spareScratch: Buffer[] = [];

/** Hands a writer's buffer back for the next writer, if it is a scratch buffer and room is left. */
function releaseScratch(bytes: Buffer): void {
  if (bytes.length === SCRATCH_BYTES && spareScratch.length < MAX_SPARE_SCRATCH) spareScratch.push(bytes);
}

export class JuteWriter {
  private bytes: Buffer;
  private view: DataView;
  private offset = 0;

  constructor(initialCapacity = 256) {
    this.bytes = initialCapacity <= SCRATCH_BYTES ? (spareScratch.pop() ?? Buffer.allocUnsafeSlow(SCRATCH_BYTES)) : Buffer.allocUnsafeSlow(initialCapacity);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
  }

  int(value: number): this {
    if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) throw new RangeError(`jute int out of range: ${value}`);
    this.reserve(4);
    this.view.setInt32(this.offset, value);
    this.offset += 4;
    return this;
  }

  long(value: bigint): this {
    if (value < INT64_MIN || value > INT64_MAX) throw new RangeError(`jute long out of range: ${value}`);
    this.reserve(8);
    this.view.setBigInt64(this.offset, value);
    this.offset += 8;
    return this;
  }

  boolean(value: boolean): this {
    this.reserve(1);
    this.bytes[this.offset++] = value ? 1 : 0;
    return this;
  }

  /** null is written as length -1. */
  buffer(value: Uint8Array | null): this {
    if (value === null) return this.int(-1);
    this.int(value.length);
    this.reserve(value.length);
    this.bytes.set(value, this.offset);
    this.offset += value.length;
    return this;
  }

  string(value: string | null): this {
    if (value === null) return this.int(-1);
    // Straight into the buffer: at most 3 bytes per UTF-16 unit.
    this.reserve(4 + value.length * 3);
    const { written } = utf8.encodeInto(value, this.bytes.subarray(this.offset + 4));
    this.view.setInt32(this.offset, written);
    this.offset += 4 + written;
    return this;
  }

  vector<T>(items: readonly T[] | null, item: (writer: JuteWriter, value: T) => void): this {
    if (items === null) return this.int(-1);
    this.int(items.length);
    for (const value of items) item(this, value);
    return this;
  }

  /** The bytes written so far, copied out (small ones into Node's shared pool); the writer hands
   *  its scratch buffer back and must not be written to again. */
  finish(): Uint8Array {
    const out = Buffer.allocUnsafe(this.offset);
    this.bytes.copy(out, 0, 0, this.offset);
    releaseScratch(this.bytes);
    this.bytes = FINISHED;
    this.view = new DataView(FINISHED.buffer, 0, 0);
    this.offset = 0;
    // A plain Uint8Array, as before: a Buffer's slice() is a view, and callers slice to copy.
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }

  private reserve(count: number): void {
    if (this.bytes === FINISHED) throw new Error("JuteWriter: written to after finish(); use a new writer");
    if (this.offset + count <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < this.offset + count) capacity *= 2;
    const grown = Buffer.allocUnsafeSlow(capacity);
    this.bytes.copy(grown, 0, 0, this.offset);
    releaseScratch(this.bytes);
    this.bytes = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
  }
}
