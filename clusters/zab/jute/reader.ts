// Jute's binary input archive (ZooKeeper's BinaryInputArchive), read from one frame payload:
//   int      4 bytes, signed, big-endian
//   long     8 bytes, signed, big-endian → bigint (zxids and session ids use all 64 bits)
//   boolean  1 byte, non-zero is true
//   buffer   int length (-1: null) then that many bytes
//   ustring  a buffer holding UTF-8 text (-1: null)
//   vector   int count (-1: null) then that many items
// Every length and count is checked against the bytes that remain before anything is read or
// allocated, so a hostile length field costs nothing; every failure is a JuteDecodeError.

import { JuteDecodeError } from "./errors.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export class JuteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  get position(): number {
    return this.offset;
  }

  int(what: string): number {
    this.need(4, what);
    const value = this.view.getInt32(this.offset);
    this.offset += 4;
    return value;
  }

  long(what: string): bigint {
    this.need(8, what);
    const value = this.view.getBigInt64(this.offset);
    this.offset += 8;
    return value;
  }

  boolean(what: string): boolean {
    this.need(1, what);
    return this.bytes[this.offset++] !== 0;
  }

  /** A buffer that may be null (length -1). */
  nullableBuffer(what: string): Uint8Array | null {
    const length = this.length(what, 1, "bytes");
    if (length === null) return null;
    // A copy: the record must not pin (or alias) the whole frame it arrived in.
    const out = this.bytes.slice(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** A buffer; null is read as empty (ZooKeeper treats a null data buffer as no data). */
  buffer(what: string): Uint8Array {
    return this.nullableBuffer(what) ?? new Uint8Array(0);
  }

  nullableString(what: string): string | null {
    const start = this.offset;
    const bytes = this.nullableBuffer(what);
    if (bytes === null) return null;
    try {
      return utf8.decode(bytes);
    } catch {
      throw new JuteDecodeError(`${what} is not valid UTF-8`, start);
    }
  }

  string(what: string): string {
    const start = this.offset;
    const text = this.nullableString(what);
    if (text === null) throw new JuteDecodeError(`${what} is null`, start);
    return text;
  }

  /** A vector whose items each take at least `minimumItemBytes`; null (count -1) reads as null. */
  nullableVector<T>(what: string, minimumItemBytes: number, item: (reader: JuteReader) => T): T[] | null {
    const count = this.length(what, minimumItemBytes, "items");
    if (count === null) return null;
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(item(this));
    return items;
  }

  vector<T>(what: string, minimumItemBytes: number, item: (reader: JuteReader) => T): T[] {
    return this.nullableVector(what, minimumItemBytes, item) ?? [];
  }

  /** Asserts that the whole payload was consumed: trailing bytes mean the peer and we disagree on
   *  the record's layout, and nothing after that point can be trusted. */
  end(what: string): void {
    if (this.remaining !== 0) throw new JuteDecodeError(`${this.remaining} unexpected bytes after ${what}`, this.offset);
  }

  /** A length or count field: -1 is null, anything else must be ≥ 0 and fit in what remains. */
  private length(what: string, minimumItemBytes: number, unit: "bytes" | "items"): number | null {
    const start = this.offset;
    const length = this.int(`${what} length`);
    if (length === -1) return null;
    if (length < 0) throw new JuteDecodeError(`${what} has negative length ${length}`, start);
    if (length * minimumItemBytes > this.remaining) {
      throw new JuteDecodeError(`${what} claims ${length} ${unit} but only ${this.remaining} bytes remain`, start);
    }
    return length;
  }

  private need(count: number, what: string): void {
    if (this.remaining < count) throw new JuteDecodeError(`${what} needs ${count} bytes, ${this.remaining} remain`, this.offset);
  }
}
