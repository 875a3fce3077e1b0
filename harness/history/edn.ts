// A small, complete EDN reader (https://github.com/edn-format/edn) for Jepsen's history files,
// working on UTF-8 bytes so a history streams through it a chunk at a time (read-edn.ts).
//
// Two mappings to JavaScript. The EdnValue one (parseEdn), which keeps what EDN distinguishes:
//   nil → null, true/false → boolean, integers/floats/ratios → number (N and M suffixes dropped),
//   "strings" and \characters → string, :keywords → string WITHOUT the colon (:type → "type"),
//   [vectors] and (lists) → arrays, #{sets} → Set, {maps} → Map, symbols → EdnSymbol,
//   #inst "…" and #uuid "…" → the string, record literals #ns.Name{…} → the map (Jepsen prints
//   ops as records), #_ discards the next form. Any other tag is an error that names it.
// And the plain one, what an Op holds (ednToPlain of the above, built directly, with no EdnValue
// in between): sets → arrays in file order, maps → objects with stringified keys, symbols → their
// names — except a symbol that is a whole field value, which stays an EdnSymbol so the op reader
// can refuse `:f read` for `:f :read`.
// Keywords and strings collapse into the same JS string; Jepsen histories never rely on telling
// them apart, and treating both as plain strings keeps every consumer simple.

import { sequenceOf } from "./value-pool.ts";

export type EdnValue =
  | null
  | boolean
  | number
  | string
  | EdnSymbol
  | EdnValue[]
  | Set<EdnValue>
  | Map<EdnValue, EdnValue>;

/** A bare symbol (`foo`, `my.ns/bar`): kept apart from strings so a reader can reject it. */
export class EdnSymbol {
  constructor(readonly name: string) {}
  toString(): string {
    return this.name;
  }
}

/** A syntax error with the 1-based line and column where the reader stopped. */
export class EdnSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`EDN syntax error at line ${line}, column ${column}: ${reason}`);
    this.name = "EdnSyntaxError";
  }
}

/** Parses text holding exactly one EDN form. */
export function parseEdn(text: string): EdnValue {
  const reader = new EdnReader(Buffer.from(text, "utf8"), "edn");
  const value = reader.readForm();
  if (value === END) throw reader.error("expected one EDN value, found nothing");
  if (reader.skipSpace()) throw reader.error(`unexpected ${quote(reader.peekChar())} after the first value`);
  return value as EdnValue;
}

/** Parses every top-level form, each with the line it starts on. */
export function parseEdnForms(text: string): { value: EdnValue; line: number }[] {
  const reader = new EdnReader(Buffer.from(text, "utf8"), "edn");
  const forms: { value: EdnValue; line: number }[] = [];
  for (;;) {
    if (!reader.skipSpace()) return forms;
    const line = reader.line;
    const value = reader.readForm();
    if (value === END) return forms;
    forms.push({ value: value as EdnValue, line });
  }
}

/** Thrown when the bytes end inside a form but more may follow (`final` is false): the caller
 *  refills the buffer and reads the form again from its start. */
export const NEED_MORE: unique symbol = Symbol("need more input");
/** readForm at the end of the input. */
export const END: unique symbol = Symbol("end of input");
/** readElement at the collection's closing delimiter. */
export const CLOSE: unique symbol = Symbol("closing delimiter");
const DISCARDED: unique symbol = Symbol("discarded form");

// Byte values.
const TAB = 9;
const NEWLINE = 10;
const VTAB = 11;
const FORMFEED = 12;
const RETURN = 13;
const SPACE = 32;
const QUOTE = 34;
const HASH = 35;
const LPAREN = 40;
const RPAREN = 41;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;
const COLON = 58;
const SEMICOLON = 59;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;
const UNDERSCORE = 95;
const LBRACE = 123;
const RBRACE = 125;

/** 1 for the bytes that end a token: whitespace, commas, brackets, quote, semicolon. */
const DELIMITER = new Uint8Array(256);
for (const c of " \t\n\r\f\v,()[]{}\";") DELIMITER[c.charCodeAt(0)] = 1;

const NAMED_CHARACTERS: Record<string, string> = {
  newline: "\n",
  return: "\r",
  space: " ",
  tab: "\t",
  formfeed: "\f",
  backspace: "\b",
};
const STRING_ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  n: "\n",
  t: "\t",
  r: "\r",
  b: "\b",
  f: "\f",
  "/": "/",
};
const INTEGER = /^[+-]?\d+N?$/;
const FLOAT = /^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?M?$/;
const RATIO = /^[+-]?\d+\/\d+$/;
/** Integers with at most this many digits are exact in a double and parsed without a string. */
const FAST_DIGITS = 15;
/** Interned tokens (keywords and symbols): a history uses a handful, millions of times over. */
const INTERN_SLOTS = 1024;
const INTERN_MAX_LENGTH = 32;

/** A cursor over EDN bytes. `mode` "edn" builds EdnValues, "plain" builds an Op's plain values.
 *  The read-edn.ts op reader drives it form by form; with `final` false, running out of bytes
 *  inside a form throws NEED_MORE instead of an end-of-input error. */
export class EdnReader {
  pos = 0;
  /** Bytes [0, end) are readable. */
  end: number;
  /** Whether no bytes follow `end`. */
  final = true;
  /** 1-based line of the cursor. */
  line = 1;
  /** Position where the cursor's line starts, for columns. */
  lineStart = 0;
  /** Set whenever readValue returns a symbol; the op reader asks right after. */
  wasSymbol = false;
  /** Set when a vector read at depth 1 starts with a symbol (a micro-op written [r 1 nil]). */
  symbolHead = false;
  /** Elements of the sequences being read, innermost last, up to `top` (slots above it are stale). */
  private readonly stack: unknown[] = [];
  private top = 0;
  private readonly internStrings: (string | undefined)[] = new Array(INTERN_SLOTS);

  constructor(
    public bytes: Uint8Array,
    private readonly mode: "edn" | "plain",
    end = bytes.length,
  ) {
    this.end = end;
  }

  /** Points the reader at new bytes (after a refill), the cursor at `pos`. */
  reset(bytes: Uint8Array, end: number, final: boolean, pos: number, line: number, lineStart: number): void {
    this.bytes = bytes;
    this.end = end;
    this.final = final;
    this.pos = pos;
    this.line = line;
    this.lineStart = lineStart;
    this.top = 0;
  }

  error(reason: string): EdnSyntaxError {
    return new EdnSyntaxError(reason, this.line, this.pos - this.lineStart + 1);
  }

  /** The character at the cursor, for messages ("" at the end). */
  peekChar(): string {
    if (this.pos >= this.end) return "";
    const byte = this.bytes[this.pos];
    if (byte < 0x80) return String.fromCharCode(byte);
    let stop = this.pos + 1;
    while (stop < this.end && (this.bytes[stop] & 0xc0) === 0x80) stop++;
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.pos, stop - this.pos).toString("utf8");
  }

  peekByte(): number {
    return this.pos < this.end ? this.bytes[this.pos] : -1;
  }

  /** Skips whitespace, commas and comments; returns whether any input is left. */
  skipSpace(): boolean {
    const bytes = this.bytes;
    const end = this.end;
    let pos = this.pos;
    while (pos < end) {
      const c = bytes[pos];
      if (c === NEWLINE) {
        pos++;
        this.line++;
        this.lineStart = pos;
      } else if (c === SPACE || c === COMMA || c === TAB || c === RETURN || c === FORMFEED || c === VTAB) {
        pos++;
      } else if (c === SEMICOLON) {
        while (pos < end && bytes[pos] !== NEWLINE) pos++;
      } else {
        this.pos = pos;
        return true;
      }
    }
    this.pos = pos;
    if (!this.final) throw NEED_MORE;
    return false;
  }

  /** Consumes `c` (after optional space) or throws. */
  expect(c: string): void {
    if (!this.skipSpace()) throw this.error(`unexpected end of input, expected ${quote(c)}`);
    if (this.bytes[this.pos] !== c.charCodeAt(0)) throw this.error(`expected ${quote(c)}, found ${quote(this.peekChar())}`);
    this.pos++;
  }

  /** Reads the next form, or END when the input is exhausted. A stray closing delimiter throws. */
  readForm(depth = 0): unknown {
    const value = this.readAny(depth);
    if (value === CLOSE) throw this.error(`unexpected ${quote(String.fromCharCode(this.bytes[this.pos - 1]))} with no open collection`);
    return value;
  }

  /** Reads the next element of the collection closed by `closer`, or CLOSE when it ends. */
  readElement(closer: number, depth: number): unknown {
    // The elements of a history are mostly small integers, keywords and vectors after a space or
    // a comma: read those here, without going through readAny's dispatch.
    const bytes = this.bytes;
    const end = this.end;
    let pos = this.pos;
    while (pos < end && (bytes[pos] === SPACE || bytes[pos] === COMMA)) pos++;
    this.pos = pos;
    if (pos < end) {
      const c = bytes[pos];
      if (c === closer) {
        this.pos = pos + 1;
        return CLOSE;
      }
      if (c >= ZERO && c <= NINE) {
        let value = 0;
        let stop = pos;
        while (stop < end && bytes[stop] >= ZERO && bytes[stop] <= NINE && stop - pos < FAST_DIGITS) value = value * 10 + (bytes[stop++] - ZERO);
        if (stop < end && DELIMITER[bytes[stop]] === 1) {
          this.pos = stop;
          this.wasSymbol = false;
          return value;
        }
      } else if (c === COLON) {
        this.pos = pos + 1;
        this.wasSymbol = false;
        return this.readKeyword();
      } else if (c === LBRACKET) {
        this.pos = pos + 1;
        const items = this.readSequence(RBRACKET, depth);
        this.wasSymbol = false;
        return items;
      }
    }
    const value = this.readAny(depth);
    if (value === END) throw this.error(`unexpected end of input inside a collection; expected ${quote(String.fromCharCode(closer))}`);
    if (value === CLOSE && this.bytes[this.pos - 1] !== closer) {
      throw this.error(`mismatched ${quote(String.fromCharCode(this.bytes[this.pos - 1]))}, expected ${quote(String.fromCharCode(closer))}`);
    }
    return value;
  }

  private readAny(depth: number): unknown {
    for (;;) {
      this.wasSymbol = false;
      if (!this.skipSpace()) return END;
      const c = this.bytes[this.pos];
      let value: unknown;
      switch (c) {
        case LPAREN:
          this.pos++;
          value = this.readSequence(RPAREN, depth);
          break;
        case LBRACKET:
          this.pos++;
          value = this.readSequence(RBRACKET, depth);
          break;
        case LBRACE:
          this.pos++;
          value = this.readMap(depth);
          break;
        case RPAREN:
        case RBRACKET:
        case RBRACE:
          this.pos++;
          return CLOSE;
        case QUOTE:
          this.pos++;
          return this.readString();
        case BACKSLASH:
          this.pos++;
          return this.readCharacter();
        case COLON:
          this.pos++;
          return this.readKeyword();
        case HASH:
          this.pos++;
          value = this.readDispatch(depth);
          if (value === DISCARDED) continue;
          break;
        default:
          // The one place wasSymbol becomes true.
          return this.readAtom(depth);
      }
      // Whatever a nested read left in wasSymbol belongs to an element, not to this value.
      this.wasSymbol = false;
      return value;
    }
  }

  private readSequence(closer: number, depth: number): unknown[] {
    // Elements collect on one stack shared by every open sequence, and each sequence becomes an
    // array of exactly its length: pushing onto a fresh array would leave most of a history's
    // small vectors with room for 17 elements.
    const stack = this.stack;
    const base = this.top;
    for (;;) {
      const value = this.readElement(closer, depth + 1);
      if (value === CLOSE) {
        const items = sequenceOf(stack, base, this.top);
        this.top = base;
        return items;
      }
      if (this.top === base && depth === 1 && this.wasSymbol) this.symbolHead = true;
      stack[this.top++] = value;
    }
  }

  /** A map: a Map of EdnValues, or in plain mode an object keyed by strings (other keys as their
   *  JSON text). Either way a repeated key is an error. */
  private readMap(depth: number): unknown {
    const map = new Map<unknown, unknown>();
    for (;;) {
      const key = this.readElement(RBRACE, depth + 1);
      if (key === CLOSE) break;
      const value = this.readElement(RBRACE, depth + 1);
      if (value === CLOSE) throw this.error(`map key ${describe(key as EdnValue)} has no value`);
      if (map.has(key)) throw this.error(`duplicate map key ${describe(key as EdnValue)}`);
      map.set(key, value);
    }
    if (this.mode === "edn") return map;
    const object: Record<string, unknown> = {};
    for (const [key, value] of map) object[typeof key === "string" ? key : JSON.stringify(key)] = value;
    return object;
  }

  private readString(): string {
    const bytes = this.bytes;
    const end = this.end;
    const start = this.pos;
    let pos = start;
    let ascii = true;
    // The common case: no escapes, so the string is one slice of the bytes.
    for (; pos < end; pos++) {
      const c = bytes[pos];
      if (c === QUOTE) {
        this.pos = pos + 1;
        return decode(bytes, start, pos, ascii);
      }
      if (c === BACKSLASH) break;
      if (c === NEWLINE) {
        this.line++;
        this.lineStart = pos + 1;
      } else if (c >= 0x80) {
        ascii = false;
      }
    }
    let out = decode(bytes, start, pos, ascii);
    let runStart = pos;
    while (pos < end) {
      const c = bytes[pos];
      if (c === QUOTE) {
        this.pos = pos + 1;
        return out + decode(bytes, runStart, pos, false);
      }
      if (c === NEWLINE) {
        pos++;
        this.line++;
        this.lineStart = pos;
        continue;
      }
      if (c !== BACKSLASH) {
        pos++;
        continue;
      }
      out += decode(bytes, runStart, pos, false);
      if (pos + 1 >= end) break;
      const escape = String.fromCharCode(bytes[pos + 1]);
      if (escape === "u") {
        if (pos + 6 > end) break;
        const hex = decode(bytes, pos + 2, pos + 6, false);
        this.pos = pos;
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.error(`bad unicode escape \\u${hex} in string`);
        out += String.fromCharCode(parseInt(hex, 16));
        pos += 6;
      } else {
        const decoded = STRING_ESCAPES[escape];
        this.pos = pos;
        if (decoded === undefined) throw this.error(`unknown escape \\${escape} in string`);
        out += decoded;
        pos += 2;
      }
      runStart = pos;
    }
    this.pos = pos;
    if (!this.final) throw NEED_MORE;
    throw this.error("unexpected end of input inside a string; missing closing '\"'");
  }

  private readCharacter(): string {
    if (this.pos >= this.end && !this.final) throw NEED_MORE;
    const c = this.peekChar();
    if (c === "" || /\s/.test(c)) throw this.error("backslash with no character after it");
    // A character literal may itself be a delimiter: \( \, \"
    if (DELIMITER[this.bytes[this.pos]] === 1) {
      this.pos++;
      return c;
    }
    const token = this.readToken();
    if ([...token].length === 1) return token;
    const named = NAMED_CHARACTERS[token];
    if (named !== undefined) return named;
    if (/^u[0-9a-fA-F]{4}$/.test(token)) return String.fromCharCode(parseInt(token.slice(1), 16));
    throw this.error(`unknown character literal \\${token}`);
  }

  private readKeyword(): string {
    const name = this.readToken();
    if (name === "" || name.charCodeAt(0) === COLON) throw this.error(`invalid keyword :${name}`);
    return name;
  }

  private readDispatch(depth: number): unknown {
    if (this.pos >= this.end && !this.final) throw NEED_MORE;
    const c = this.bytes[this.pos];
    if (c === LBRACE && this.pos < this.end) {
      this.pos++;
      const members = this.readSequence(RBRACE, depth);
      if (this.mode === "edn") return new Set(members);
      // EDN sets have no duplicates; a file that repeats one reads as if it did not.
      return [...new Set(members)];
    }
    if (c === UNDERSCORE && this.pos < this.end) {
      this.pos++;
      const discarded = this.readAny(depth);
      if (discarded === END || discarded === CLOSE) throw this.error("#_ must be followed by a form to discard");
      return DISCARDED;
    }
    if (c === HASH && this.pos < this.end) {
      this.pos++;
      const name = this.readToken();
      if (name === "Inf") return Infinity;
      if (name === "-Inf") return -Infinity;
      if (name === "NaN") return NaN;
      throw this.error(`unknown symbolic value ##${name}; expected ##Inf, ##-Inf or ##NaN`);
    }
    const tagLine = this.line;
    const tag = this.readToken();
    if (!/^[A-Za-z]/.test(tag)) throw this.error(`invalid dispatch #${tag}`);
    const value = this.readAny(depth);
    if (value === END || value === CLOSE) throw this.error(`tag #${tag} (line ${tagLine}) has no value`);
    if ((tag === "inst" || tag === "uuid") && typeof value === "string") return value;
    // Clojure records print as #my.ns.Record{…}; their content is an ordinary map.
    if (tag.includes(".") && (value instanceof Map || (this.mode === "plain" && isPlainObject(value)))) return value;
    throw this.error(`unsupported tagged literal #${tag}; this reader knows #inst, #uuid and record maps (#ns.Name{…})`);
  }

  private readAtom(depth: number): unknown {
    const bytes = this.bytes;
    const start = this.pos;
    const first = bytes[start];
    // Integers, the bulk of a transactional history, straight from the digits.
    let pos = start;
    const negative = first === MINUS;
    if (negative || first === PLUS) pos++;
    let value = 0;
    const digitsStart = pos;
    while (pos < this.end) {
      const c = bytes[pos];
      if (c < ZERO || c > NINE) break;
      value = value * 10 + (c - ZERO);
      pos++;
    }
    const digits = pos - digitsStart;
    if (digits > 0 && digits <= FAST_DIGITS && pos < this.end && DELIMITER[bytes[pos]] === 1) {
      this.pos = pos;
      return negative ? -value : value;
    }

    const token = this.readToken();
    if (token === "") throw this.error(`unexpected ${quote(this.peekChar())}`);
    if (token === "nil") return null;
    if (token === "true") return true;
    if (token === "false") return false;
    const c0 = token.charCodeAt(0);
    const c1 = token.length > 1 ? token.charCodeAt(1) : 0;
    const numeric = (c0 >= ZERO && c0 <= NINE) || ((c0 === MINUS || c0 === PLUS) && c1 >= ZERO && c1 <= NINE);
    if (!numeric) {
      this.wasSymbol = true;
      if (this.mode === "edn" || depth === 0) return new EdnSymbol(token);
      return token;
    }
    if (INTEGER.test(token)) return Number(token.endsWith("N") ? token.slice(0, -1) : token);
    if (FLOAT.test(token)) return Number(token.endsWith("M") ? token.slice(0, -1) : token);
    if (RATIO.test(token)) {
      const [numerator, denominator] = token.split("/").map(Number);
      if (denominator === 0) throw this.error(`ratio ${token} divides by zero`);
      return numerator / denominator;
    }
    throw this.error(`invalid number ${token}`);
  }

  /** Reads a tag's name (after its #). */
  readTag(): string {
    return this.readToken();
  }

  /** Reads up to the next delimiter. Short ASCII tokens are interned. */
  private readToken(): string {
    const bytes = this.bytes;
    const end = this.end;
    const start = this.pos;
    let pos = start;
    let hash = 0x811c9dc5;
    let ascii = true;
    while (pos < end) {
      const c = bytes[pos];
      if (DELIMITER[c] === 1) break;
      if (c >= 0x80) ascii = false;
      hash = Math.imul(hash ^ c, 0x01000193);
      pos++;
    }
    if (pos === end && !this.final) throw NEED_MORE;
    this.pos = pos;
    const length = pos - start;
    if (!ascii || length > INTERN_MAX_LENGTH) return decode(bytes, start, pos, ascii);
    const slot = (hash >>> 0) & (INTERN_SLOTS - 1);
    const known = this.internStrings[slot];
    if (known !== undefined && known.length === length) {
      let same = true;
      for (let i = 0; i < length; i++) {
        if (known.charCodeAt(i) !== bytes[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return known;
    }
    const token = decode(bytes, start, pos, true);
    this.internStrings[slot] = token;
    return token;
  }
}

function decode(bytes: Uint8Array, start: number, end: number, ascii: boolean): string {
  if (start === end) return "";
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString(ascii ? "latin1" : "utf8", start, end);
}

function isPlainObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Converts an EDN value to plain JSON-able data for an Op: sets become arrays (in file order),
 *  maps become objects with stringified keys, symbols become their names. */
export function ednToPlain(value: EdnValue): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof EdnSymbol) return value.name;
  if (Array.isArray(value)) return value.map(ednToPlain);
  if (value instanceof Set) return [...value].map(ednToPlain);
  const out: Record<string, unknown> = {};
  for (const [k, v] of value) out[typeof k === "string" ? k : JSON.stringify(ednToPlain(k))] = ednToPlain(v);
  return out;
}

/** A short rendering of an EDN value (or of a plain one the reader built) for error messages. */
export function describe(value: EdnValue): string {
  const text = JSON.stringify(value, (_, part: unknown) => (part instanceof Map || part instanceof Set || part instanceof EdnSymbol ? ednToPlain(part) : part)) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function quote(c: string | undefined): string {
  return c === undefined || c === "" ? "end of input" : `'${c}'`;
}
