// The EDN an op map is nearly always made of — integers, keywords, short ASCII strings, nil,
// true, false and vectors of those, on one line — read straight from the bytes in one pass, with
// recurring values shared through a ValuePool. Anything else (a map, a set, a list, a symbol, a
// float, an escape, a comment, a line break, the end of the bytes) answers NOT_SIMPLE, and
// read-edn.ts reads the whole op again with EdnReader, which knows all of EDN and words every
// error. So this scanner only has to be right about what it accepts: it must read it exactly as
// EdnReader does (edn-simple-values.test.ts checks it against parseEdn).

import type { FieldNames } from "./field-names.ts";
import { FALSE_HASH, HASH_START, mix, NULL_HASH, TRUE_HASH, type ValuePool } from "./value-pool.ts";

/** The value at the cursor is not of the simple kind (or the bytes end inside it). */
export const NOT_SIMPLE: unique symbol = Symbol("not a simple EDN value");

const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;
const COLON = 58;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const RBRACE = 125;
/** Integers with at most this many digits are exact in a double. */
const MAX_DIGITS = 15;
const VECTOR_HASH = 0x3a8f05c5;

/** Bytes a keyword is made of here: letters, digits and the usual punctuation of Clojure names.
 *  EdnReader takes more (anything up to a delimiter); those rarer keywords go to it. */
const KEYWORD_BYTE = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-_?!*.+/<>=&%$']/.test(ch)) KEYWORD_BYTE[c] = 1;
}
/** Bytes that may follow a value here: a separator, or the end of the vector or map around it. */
const ENDS_VALUE = new Uint8Array(256);
for (const ch of " ,]}") ENDS_VALUE[ch.charCodeAt(0)] = 1;

export class EdnSimpleValues {
  bytes: Uint8Array = new Uint8Array(0);
  /** Bytes [pos, end) are the ones to read. */
  pos = 0;
  end = 0;
  /** The hash of the value read last, for the vector holding it. */
  hash = 0;
  /** Elements of the vectors being read, innermost last, up to `top`; kept longer than any
   *  vector so that ValuePool's literals read no slot past its end. */
  private readonly stack: unknown[] = Array.from({ length: 256 }, () => null);
  private top = 0;

  constructor(private readonly pool: ValuePool) {}

  /** Reads a keyword at `pos` (at its ':') and moves past it: its number among `names` (without
   *  the colon), or -1 for another keyword or one this scanner does not read. */
  fieldKeyword(names: FieldNames): number {
    const bytes = this.bytes;
    const end = this.end;
    let pos = this.pos + 1;
    const start = pos;
    let hash = HASH_START;
    while (pos < end && KEYWORD_BYTE[bytes[pos]] === 1) hash = mix(hash, bytes[pos++]);
    if (pos >= end || ENDS_VALUE[bytes[pos]] === 0) return -1;
    this.pos = pos;
    return names.find(bytes, start, pos, hash);
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
      // -0 would be taken for 0 by the pool's ===, so it is left to EdnReader.
      if (digits === 0 || digits > MAX_DIGITS || pos >= end || ENDS_VALUE[bytes[pos]] === 0 || (negative && value === 0)) return NOT_SIMPLE;
      this.pos = pos;
      if (negative) value = -value;
      this.hash = value | 0;
      return value;
    }
    if (c === COLON) {
      const start = ++pos;
      let hash = HASH_START;
      while (pos < end && KEYWORD_BYTE[bytes[pos]] === 1) hash = mix(hash, bytes[pos++]);
      if (pos === start || pos >= end || ENDS_VALUE[bytes[pos]] === 0) return NOT_SIMPLE;
      this.pos = pos;
      this.hash = hash;
      return this.pool.ascii(bytes, start, pos, hash);
    }
    if (c === LBRACKET) {
      this.pos = pos + 1;
      return this.vector();
    }
    if (c === QUOTE) {
      const start = ++pos;
      let hash = HASH_START;
      for (;;) {
        if (pos >= end) return NOT_SIMPLE;
        const b = bytes[pos];
        if (b === QUOTE) break;
        if (b < SPACE || b > 0x7e || b === BACKSLASH) return NOT_SIMPLE;
        hash = mix(hash, b);
        pos++;
      }
      if (pos + 1 >= end || ENDS_VALUE[bytes[pos + 1]] === 0) return NOT_SIMPLE;
      this.pos = pos + 1;
      this.hash = hash;
      return this.pool.ascii(bytes, start, pos, hash);
    }
    // nil, true, false: exactly those letters, then a separator.
    if (c === 110 && pos + 3 < end && bytes[pos + 1] === 105 && bytes[pos + 2] === 108 && ENDS_VALUE[bytes[pos + 3]] === 1) {
      this.pos = pos + 3;
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

  /** A vector's elements after its '['. Non-negative integers, most of a transactional history's
   *  bytes, are read here without a call. */
  private vector(): unknown {
    const bytes = this.bytes;
    const end = this.end;
    const stack = this.stack;
    const base = this.top;
    let top = base;
    let hash = HASH_START;
    let pos = this.pos;
    for (;;) {
      while (pos < end && (bytes[pos] === SPACE || bytes[pos] === COMMA)) pos++;
      if (pos >= end) break;
      const c = bytes[pos];
      if (c === RBRACKET) {
        pos++;
        if (pos >= end || ENDS_VALUE[bytes[pos]] === 0) break;
        hash = mix(hash, (top - base) ^ VECTOR_HASH);
        const items = this.pool.array(stack, base, top, hash);
        this.top = base;
        this.pos = pos;
        this.hash = hash;
        return items;
      }
      if (c >= ZERO && c <= NINE) {
        const start = pos;
        let value = 0;
        while (pos < end) {
          const d = bytes[pos];
          if (d < ZERO || d > NINE) break;
          value = value * 10 + (d - ZERO);
          pos++;
        }
        if (pos - start > MAX_DIGITS || pos >= end || ENDS_VALUE[bytes[pos]] === 0) break;
        stack[top++] = value;
        hash = mix(hash, value | 0);
        continue;
      }
      if (c === COLON) {
        // A keyword, the first element of every micro-op.
        const start = ++pos;
        let keywordHash = HASH_START;
        while (pos < end && KEYWORD_BYTE[bytes[pos]] === 1) keywordHash = mix(keywordHash, bytes[pos++]);
        if (pos === start || pos >= end || ENDS_VALUE[bytes[pos]] === 0) break;
        stack[top++] = this.pool.ascii(bytes, start, pos, keywordHash);
        hash = mix(hash, keywordHash);
        continue;
      }
      // A nested vector pushes above `top`.
      this.top = top;
      this.pos = pos;
      const value = this.value();
      if (value === NOT_SIMPLE) break;
      stack[top++] = value;
      hash = mix(hash, this.hash);
      pos = this.pos;
    }
    this.top = base;
    return NOT_SIMPLE;
  }
}
