// Jute's binary output archive (ZooKeeper's BinaryOutputArchive); the layout is in reader.ts.

const utf8 = new TextEncoder();

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export class JuteWriter {
  private bytes: Uint8Array;
  private view: DataView;
  private offset = 0;

  constructor(initialCapacity = 256) {
    this.bytes = new Uint8Array(initialCapacity);
    this.view = new DataView(this.bytes.buffer);
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
    return this.buffer(value === null ? null : utf8.encode(value));
  }

  vector<T>(items: readonly T[] | null, item: (writer: JuteWriter, value: T) => void): this {
    if (items === null) return this.int(-1);
    this.int(items.length);
    for (const value of items) item(this, value);
    return this;
  }

  /** The bytes written so far (a copy, so the writer can be reused or dropped). */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.offset);
  }

  private reserve(count: number): void {
    if (this.offset + count <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < this.offset + count) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.offset));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
}
