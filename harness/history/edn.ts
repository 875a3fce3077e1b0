// A small, complete EDN reader (https://github.com/edn-format/edn) for Jepsen's history files.
//
// Mapping to JavaScript, chosen so Jepsen ops read naturally:
//   nil → null, true/false → boolean, integers/floats/ratios → number (N and M suffixes dropped),
//   "strings" and \characters → string, :keywords → string WITHOUT the colon (:type → "type"),
//   [vectors] and (lists) → arrays, #{sets} → Set, {maps} → Map, symbols → EdnSymbol,
//   #inst "…" and #uuid "…" → the string, record literals #ns.Name{…} → the map (Jepsen prints
//   ops as records), #_ discards the next form. Any other tag is an error that names it.
// Keywords and strings collapse into the same JS string; Jepsen histories never rely on telling
// them apart, and treating both as plain strings keeps every consumer simple.

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
  const reader = new EdnReader(text);
  const value = reader.readForm();
  if (value === END) throw reader.error("expected one EDN value, found nothing");
  if (reader.skipSpace()) throw reader.error(`unexpected ${quote(reader.peek())} after the first value`);
  return value;
}

/** Parses every top-level form, each with the line it starts on. */
export function parseEdnForms(text: string): { value: EdnValue; line: number }[] {
  const reader = new EdnReader(text);
  const forms: { value: EdnValue; line: number }[] = [];
  for (;;) {
    if (!reader.skipSpace()) return forms;
    const line = reader.line;
    const value = reader.readForm();
    if (value === END) return forms;
    forms.push({ value, line });
  }
}

const END: unique symbol = Symbol("end of input");
const CLOSE: unique symbol = Symbol("closing delimiter");

const DELIMITERS = new Set([..." \t\n\r\f\v,()[]{}\";"]);
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

/** A cursor over EDN text. Exposed so readers can walk a top-level vector element by element
 *  and report each element's line. */
export class EdnReader {
  private pos = 0;
  /** 1-based line of the cursor. */
  line = 1;
  private lineStart = 0;
  /** The closing character the innermost open collection waits for, for error messages. */
  private closers: string[] = [];

  constructor(private readonly text: string) {}

  error(reason: string): EdnSyntaxError {
    return new EdnSyntaxError(reason, this.line, this.pos - this.lineStart + 1);
  }

  peek(): string {
    return this.text[this.pos] ?? "";
  }

  /** Skips whitespace, commas and comments; returns whether any input is left. */
  skipSpace(): boolean {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text[this.pos];
      if (c === "\n") {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else if (c === " " || c === "\t" || c === "\r" || c === "," || c === "\f" || c === "\v") {
        this.pos++;
      } else if (c === ";") {
        while (this.pos < text.length && text[this.pos] !== "\n") this.pos++;
      } else {
        return true;
      }
    }
    return false;
  }

  /** Consumes `c` (after optional space) or throws. */
  expect(c: string): void {
    if (!this.skipSpace()) throw this.error(`unexpected end of input, expected ${quote(c)}`);
    if (this.peek() !== c) throw this.error(`expected ${quote(c)}, found ${quote(this.peek())}`);
    this.pos++;
  }

  /** Reads the next form, or END when the input is exhausted. A stray closing delimiter throws. */
  readForm(): EdnValue | typeof END {
    const value = this.readAny();
    if (value === CLOSE) throw this.error(`unexpected ${quote(this.text[this.pos - 1])} with no open collection`);
    return value;
  }

  /** Reads the next element of the collection closed by `closer`, or CLOSE when it ends. */
  readElement(closer: string): EdnValue | typeof CLOSE {
    this.closers.push(closer);
    const value = this.readAny();
    this.closers.pop();
    if (value === END) throw this.error(`unexpected end of input inside a collection; expected ${quote(closer)}`);
    if (value === CLOSE && this.text[this.pos - 1] !== closer) {
      throw this.error(`mismatched ${quote(this.text[this.pos - 1])}, expected ${quote(closer)}`);
    }
    return value;
  }

  private readAny(): EdnValue | typeof END | typeof CLOSE {
    for (;;) {
      if (!this.skipSpace()) return END;
      const c = this.text[this.pos];
      switch (c) {
        case "(":
        case "[":
          this.pos++;
          return this.readSequence(c === "(" ? ")" : "]");
        case "{":
          this.pos++;
          return this.readMap();
        case ")":
        case "]":
        case "}":
          this.pos++;
          return CLOSE;
        case '"':
          this.pos++;
          return this.readString();
        case "\\":
          this.pos++;
          return this.readCharacter();
        case ":":
          this.pos++;
          return this.readKeyword();
        case "#": {
          this.pos++;
          const value = this.readDispatch();
          if (value === DISCARDED) continue;
          return value;
        }
        default:
          return this.readAtom();
      }
    }
  }

  private readSequence(closer: string): EdnValue[] {
    const items: EdnValue[] = [];
    for (;;) {
      const value = this.readElement(closer);
      if (value === CLOSE) return items;
      items.push(value);
    }
  }

  private readMap(): Map<EdnValue, EdnValue> {
    const map = new Map<EdnValue, EdnValue>();
    for (;;) {
      const key = this.readElement("}");
      if (key === CLOSE) return map;
      const value = this.readElement("}");
      if (value === CLOSE) throw this.error(`map key ${describe(key)} has no value`);
      if (map.has(key)) throw this.error(`duplicate map key ${describe(key)}`);
      map.set(key, value);
    }
  }

  private readString(): string {
    const text = this.text;
    let out = "";
    let runStart = this.pos;
    while (this.pos < text.length) {
      const c = text[this.pos];
      if (c === '"') {
        out += text.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (c === "\n") {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
        continue;
      }
      if (c !== "\\") {
        this.pos++;
        continue;
      }
      out += text.slice(runStart, this.pos);
      const escape = text[this.pos + 1];
      if (escape === undefined) break;
      if (escape === "u") {
        const hex = text.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.error(`bad unicode escape \\u${hex} in string`);
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
      } else {
        const decoded = STRING_ESCAPES[escape];
        if (decoded === undefined) throw this.error(`unknown escape \\${escape} in string`);
        out += decoded;
        this.pos += 2;
      }
      runStart = this.pos;
    }
    throw this.error("unexpected end of input inside a string; missing closing '\"'");
  }

  private readCharacter(): string {
    const c = this.peek();
    if (c === "" || /\s/.test(c)) throw this.error("backslash with no character after it");
    // A character literal may itself be a delimiter: \( \, \"
    if (DELIMITERS.has(c)) {
      this.pos++;
      return c;
    }
    const token = this.readToken();
    if (token.length === 1) return token;
    const named = NAMED_CHARACTERS[token];
    if (named !== undefined) return named;
    if (/^u[0-9a-fA-F]{4}$/.test(token)) return String.fromCharCode(parseInt(token.slice(1), 16));
    throw this.error(`unknown character literal \\${token}`);
  }

  private readKeyword(): string {
    const name = this.readToken();
    if (name === "" || name.startsWith(":")) throw this.error(`invalid keyword :${name}`);
    return name;
  }

  private readDispatch(): EdnValue | typeof DISCARDED {
    const c = this.peek();
    if (c === "{") {
      this.pos++;
      return new Set(this.readSequence("}"));
    }
    if (c === "_") {
      this.pos++;
      const discarded = this.readAny();
      if (discarded === END || discarded === CLOSE) throw this.error("#_ must be followed by a form to discard");
      return DISCARDED;
    }
    if (c === "#") {
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
    const value = this.readAny();
    if (value === END || value === CLOSE) throw this.error(`tag #${tag} (line ${tagLine}) has no value`);
    if ((tag === "inst" || tag === "uuid") && typeof value === "string") return value;
    // Clojure records print as #my.ns.Record{…}; their content is an ordinary map.
    if (tag.includes(".") && value instanceof Map) return value;
    throw this.error(
      `unsupported tagged literal #${tag}; this reader knows #inst, #uuid and record maps (#ns.Name{…})`,
    );
  }

  private readAtom(): EdnValue {
    const token = this.readToken();
    if (token === "") throw this.error(`unexpected ${quote(this.peek())}`);
    if (token === "nil") return null;
    if (token === "true") return true;
    if (token === "false") return false;
    const first = token[0];
    const numeric = (first >= "0" && first <= "9") || ((first === "-" || first === "+") && /^[+-]\d/.test(token));
    if (!numeric) return new EdnSymbol(token);
    if (INTEGER.test(token)) return Number(token.endsWith("N") ? token.slice(0, -1) : token);
    if (FLOAT.test(token)) return Number(token.endsWith("M") ? token.slice(0, -1) : token);
    if (RATIO.test(token)) {
      const [numerator, denominator] = token.split("/").map(Number);
      if (denominator === 0) throw this.error(`ratio ${token} divides by zero`);
      return numerator / denominator;
    }
    throw this.error(`invalid number ${token}`);
  }

  /** Reads up to the next delimiter. */
  private readToken(): string {
    const start = this.pos;
    const text = this.text;
    while (this.pos < text.length && !DELIMITERS.has(text[this.pos])) this.pos++;
    return text.slice(start, this.pos);
  }
}

const DISCARDED: unique symbol = Symbol("discarded form");

/** Looks a keyword up in an EDN map (`ednGet(op, "type")` for `:type`). */
export function ednGet(map: Map<EdnValue, EdnValue>, key: string): EdnValue | undefined {
  return map.get(key);
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

/** A short rendering of an EDN value for error messages. */
export function describe(value: EdnValue): string {
  const text = JSON.stringify(ednToPlain(value)) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function quote(c: string | undefined): string {
  return c === undefined || c === "" ? "end of input" : `'${c}'`;
}
