// The JSON a history line is nearly always made of — integers, short ASCII strings without
// escapes, null, true, false and arrays of those — read straight from the bytes in one pass, with
// recurring values shared through a ValuePool. Anything else (an object as a value, a fraction or
// exponent, an escape, a byte outside printable ASCII, anything that is not JSON) answers
// NOT_SIMPLE, and read-jsonl.ts hands the whole line to JSON.parse, which knows all of JSON and
// words every error. So this scanner only has to be right about what it accepts: exactly what
// JSON.parse would make of it (json-simple-values.test.ts checks it against JSON.parse).

import type { FieldNames } from "./field-names.ts";
import { FALSE_HASH, HASH_START, mix, NULL_HASH, TRUE_HASH, type ValuePool } from "./value-pool.ts";

/** The value at the cursor is not of the simple kind (or the bytes end inside it). */
export const NOT_SIMPLE: unique symbol = Symbol("not a simple JSON value");
/** fieldKey: a key that is not a simple string. */
export const NOT_SIMPLE_KEY = -2;

const TAB = 9;
const RETURN = 13;
const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const RBRACE = 125;
const MAX_DIGITS = 15;
const ARRAY_HASH = 0x3a8f05c5;

/** Bytes that may follow a value: JSON whitespace within a line, a comma, or the end of the array
 *  or object around it. */
const ENDS_VALUE = new Uint8Array(256);
for (const ch of " \t\r,]}") ENDS_VALUE[ch.charCodeAt(0)] = 1;

export class JsonSimpleValues {
  bytes: Uint8Array = new Uint8Array(0);
  /** Bytes [pos, end) are the ones to read. */
  pos = 0;
  end = 0;
  /** The hash of the value read last, for the array holding it. */
  hash = 0;
  /** Elements of the arrays being read, innermost last, up to `top`; kept longer than any
   *  array so that ValuePool's literals read no slot past its end. */
  private readonly stack: unknown[] = Array.from({ length: 256 }, () => null);
  private top = 0;

  constructor(private readonly pool: ValuePool) {}

  /** Reads an object's key at `pos` (at its '"') and moves past it: its number among `names`, -1
   *  for another name, NOT_SIMPLE_KEY for a key with an escape or a byte outside printable ASCII. */
  fieldKey(names: FieldNames): number {
    const start = this.pos + 1;
    const close = this.scanString();
    return close < 0 ? NOT_SIMPLE_KEY : names.find(this.bytes, start, close, this.hash);
  }

  /** Moves past JSON whitespace; returns the byte there, or -1 at the end. */
  skipSpace(): number {
    const bytes = this.bytes;
    const end = this.end;
    let pos = this.pos;
    while (pos < end) {
      const c = bytes[pos];
      if (c !== SPACE && c !== TAB && c !== RETURN) {
        this.pos = pos;
        return c;
      }
      pos++;
    }
    this.pos = pos;
    return -1;
  }

  /** Reads a string at `pos` (at its '"'), whatever byte follows it. */
  private string(): string | typeof NOT_SIMPLE {
    const start = this.pos + 1;
    const close = this.scanString();
    return close < 0 ? NOT_SIMPLE : this.pool.ascii(this.bytes, start, close, this.hash);
  }

  /** Moves past the string at `pos` (at its '"') and answers where its closing quote is, with its
   *  hash in `hash`; -1 (and `pos` unmoved) for one with an escape or a byte outside printable
   *  ASCII, which the full parser reads. Keys and string values are read alike. */
  private scanString(): number {
    const bytes = this.bytes;
    const end = this.end;
    let pos = this.pos + 1;
    let hash = HASH_START;
    for (;;) {
      if (pos >= end) return -1;
      const b = bytes[pos];
      if (b === QUOTE) break;
      if (b < SPACE || b > 0x7f || b === BACKSLASH) return -1;
      hash = mix(hash, b);
      pos++;
    }
    this.pos = pos + 1;
    this.hash = hash;
    return pos;
  }

  /** Reads the value at `pos` and moves past it, or answers NOT_SIMPLE (`pos` is then anywhere). */
  value(): unknown {
    const bytes = this.bytes;
    const end = this.end;
    let pos = this.pos;
    if (pos >= end) return NOT_SIMPLE;
    const c = bytes[pos];
    if ((c >= ZERO && c <= NINE) || c === MINUS) {
      const negative = c === MINUS;
      if (negative) pos++;
      const start = pos;
      let value = 0;
      while (pos < end) {
        const d = bytes[pos];
        if (d < ZERO || d > NINE) break;
        value = value * 10 + (d - ZERO);
        pos++;
      }
      const digits = pos - start;
      // JSON allows no leading zero; -0 would be taken for 0 by the pool's ===.
      if (digits === 0 || digits > MAX_DIGITS || (digits > 1 && bytes[start] === ZERO) || pos >= end || ENDS_VALUE[bytes[pos]] === 0 || (negative && value === 0)) return NOT_SIMPLE;
      this.pos = pos;
      if (negative) value = -value;
      this.hash = value | 0;
      return value;
    }
    if (c === QUOTE) {
      const value = this.string();
      if (value === NOT_SIMPLE || this.pos >= end || ENDS_VALUE[bytes[this.pos]] === 0) return NOT_SIMPLE;
      return value;
    }
    if (c === LBRACKET) {
      this.pos = pos + 1;
      return this.array();
    }
    // null, true, false: exactly those letters, then what may follow a value.
    if (c === 110 && pos + 4 < end && bytes[pos + 1] === 117 && bytes[pos + 2] === 108 && bytes[pos + 3] === 108 && ENDS_VALUE[bytes[pos + 4]] === 1) {
      this.pos = pos + 4;
      this.hash = NULL_HASH;
      return null;
    }
    if (c === 116 && pos + 4 < end && bytes[pos + 1] === 114 && bytes[pos + 2] === 117 && bytes[pos + 3] === 101 && ENDS_VALUE[bytes[pos + 4]] === 1) {
      this.pos = pos + 4;
      this.hash = TRUE_HASH;
      return true;
    }
    if (c === 102 && pos + 5 < end && bytes[pos + 1] === 97 && bytes[pos + 2] === 108 && bytes[pos + 3] === 115 && bytes[pos + 4] === 101 && ENDS_VALUE[bytes[pos + 5]] === 1) {
      this.pos = pos + 5;
      this.hash = FALSE_HASH;
      return false;
    }
    return NOT_SIMPLE;
  }

  /** An array's elements after its '['. Non-negative integers, most of a transactional history's
   *  bytes, are read here without a call. */
  private array(): unknown {
    const bytes = this.bytes;
    const end = this.end;
    const stack = this.stack;
    const base = this.top;
    let hash = HASH_START;
    this.skipSpace();
    let pos = this.pos;
    if (pos < end && bytes[pos] === RBRACKET) return this.close(base, hash, pos + 1);
    for (;;) {
      const c = pos < end ? bytes[pos] : -1;
      if (c > ZERO && c <= NINE) {
        // A positive integer (JSON writes no leading zero; 0 alone goes through value()).
        const start = pos;
        let value = 0;
        while (pos < end) {
          const d = bytes[pos];
          if (d < ZERO || d > NINE) break;
          value = value * 10 + (d - ZERO);
          pos++;
        }
        if (pos - start > MAX_DIGITS || pos >= end || ENDS_VALUE[bytes[pos]] === 0) break;
        stack[this.top++] = value;
        hash = mix(hash, value | 0);
        this.pos = pos;
      } else {
        this.pos = pos;
        const value = this.value();
        if (value === NOT_SIMPLE) break;
        stack[this.top++] = value;
        hash = mix(hash, this.hash);
      }
      // After an element: a comma and the next one, or the end of the array.
      let next = bytes[this.pos];
      if (next !== COMMA && next !== RBRACKET) next = this.skipSpace();
      pos = this.pos + 1;
      if (next === RBRACKET) return this.close(base, hash, pos);
      if (next !== COMMA) break;
      if (pos < end && bytes[pos] !== SPACE && bytes[pos] !== TAB && bytes[pos] !== RETURN) continue;
      this.pos = pos;
      this.skipSpace();
      pos = this.pos;
    }
    this.top = base;
    return NOT_SIMPLE;
  }

  private close(base: number, hash: number, pos: number): unknown {
    if (pos >= this.end || ENDS_VALUE[this.bytes[pos]] === 0) {
      this.top = base;
      return NOT_SIMPLE;
    }
    const mixed = mix(hash, (this.top - base) ^ ARRAY_HASH);
    const items = this.pool.array(this.stack, base, this.top, mixed);
    this.top = base;
    this.pos = pos;
    this.hash = mixed;
    return items;
  }
}
