// Streaming parser for RESP2 requests: arrays of bulk strings (what client libraries send) and
// inline commands (what a human types into telnet or redis-cli may send), pipelined, cut into
// arbitrary chunks. Once it reports a protocol error the stream has lost its framing: the parser
// stays failed and the server must reply with the error and close the connection.

export interface ParserLimits {
  /** Largest bulk string accepted. */
  maxBulkBytes: number;
  /** Most arguments in one command. */
  maxArguments: number;
  /** Longest inline command line, and longest header line of any kind. */
  maxInlineBytes: number;
}

export const DEFAULT_LIMITS: ParserLimits = {
  maxBulkBytes: 32 * 1024 * 1024,
  maxArguments: 1024 * 1024,
  maxInlineBytes: 64 * 1024,
};

export interface ParseResult {
  /** Every complete command, in order; arguments are binary strings (latin1, one char per byte). */
  commands: string[][];
  /** Set once the stream is malformed: "Protocol error: …". Commands before it are still valid. */
  error?: string;
}

/** A step of the parse: a command, a frame with no command (empty line, *0), or not enough bytes. */
type Step =
  | { kind: "command"; args: string[]; end: number }
  | { kind: "skip"; end: number }
  /** `needBytes`: the buffer length at which parsing can make progress. */
  | { kind: "incomplete"; needBytes: number };

class ProtocolError extends Error {}

const CR = 0x0d;
const LF = 0x0a;

export class RespRequestParser {
  private readonly limits: ParserLimits;
  private buffer: Buffer = Buffer.alloc(0);
  /** Received chunks not yet joined into `buffer`; joining waits until they can complete a step,
   *  so a large bulk string arriving in many chunks is copied once, not once per chunk. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private needBytes = 1;
  private failure: string | undefined;

  constructor(limits: Partial<ParserLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  push(chunk: Buffer): ParseResult {
    if (this.failure) return { commands: [], error: this.failure };
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.buffer.length + this.pendingBytes < this.needBytes) return { commands: [] };
    this.buffer = Buffer.concat([this.buffer, ...this.pending]);
    this.pending = [];
    this.pendingBytes = 0;

    const commands: string[][] = [];
    let offset = 0;
    try {
      while (offset < this.buffer.length) {
        const step = this.parseOne(offset);
        if (step.kind === "incomplete") {
          this.needBytes = step.needBytes - offset;
          break;
        }
        if (step.kind === "command") commands.push(step.args);
        offset = step.end;
      }
      if (offset >= this.buffer.length) this.needBytes = 1;
      this.buffer = this.buffer.subarray(offset);
      return { commands };
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.failure = `Protocol error: ${error.message}`;
      this.buffer = Buffer.alloc(0);
      return { commands, error: this.failure };
    }
  }

  private parseOne(start: number): Step {
    return this.buffer[start] === 0x2a /* '*' */ ? this.parseMultibulk(start) : this.parseInline(start);
  }

  private parseMultibulk(start: number): Step {
    const header = this.readLine(start + 1, "multibulk count");
    if (!header) return { kind: "incomplete", needBytes: this.buffer.length + 1 };
    const count = parseInteger(header.text);
    if (count === undefined) throw new ProtocolError(`invalid multibulk length '${header.text}'`);
    if (count > this.limits.maxArguments) throw new ProtocolError(`multibulk length ${count} exceeds the limit of ${this.limits.maxArguments}`);
    if (count <= 0) return { kind: "skip", end: header.end };

    const args: string[] = [];
    let position = header.end;
    for (let i = 0; i < count; i++) {
      if (position >= this.buffer.length) return { kind: "incomplete", needBytes: position + 1 };
      const marker = this.buffer[position];
      if (marker !== 0x24 /* '$' */) throw new ProtocolError(`expected '$', got '${printable(marker)}'`);
      const lengthLine = this.readLine(position + 1, "bulk length");
      if (!lengthLine) return { kind: "incomplete", needBytes: this.buffer.length + 1 };
      const length = parseInteger(lengthLine.text);
      if (length === undefined || length < 0) throw new ProtocolError(`invalid bulk length '${lengthLine.text}'`);
      if (length > this.limits.maxBulkBytes) throw new ProtocolError(`bulk length ${length} exceeds the limit of ${this.limits.maxBulkBytes} bytes`);
      const bodyEnd = lengthLine.end + length;
      if (bodyEnd + 2 > this.buffer.length) return { kind: "incomplete", needBytes: bodyEnd + 2 };
      if (this.buffer[bodyEnd] !== CR || this.buffer[bodyEnd + 1] !== LF) throw new ProtocolError("bulk string not terminated by CRLF");
      args.push(this.buffer.toString("latin1", lengthLine.end, bodyEnd));
      position = bodyEnd + 2;
    }
    return { kind: "command", args, end: position };
  }

  private parseInline(start: number): Step {
    const newline = this.buffer.indexOf(LF, start);
    if (newline === -1) {
      if (this.buffer.length - start > this.limits.maxInlineBytes) throw new ProtocolError(`inline request longer than ${this.limits.maxInlineBytes} bytes`);
      return { kind: "incomplete", needBytes: this.buffer.length + 1 };
    }
    if (newline - start > this.limits.maxInlineBytes) throw new ProtocolError(`inline request longer than ${this.limits.maxInlineBytes} bytes`);
    const lineEnd = newline > start && this.buffer[newline - 1] === CR ? newline - 1 : newline;
    const args = splitInlineArguments(this.buffer.toString("latin1", start, lineEnd));
    return args.length === 0 ? { kind: "skip", end: newline + 1 } : { kind: "command", args, end: newline + 1 };
  }

  /** A CRLF-terminated header line starting at `start`, or undefined if its end has not arrived. */
  private readLine(start: number, what: string): { text: string; end: number } | undefined {
    const cr = this.buffer.indexOf(CR, start);
    if (cr === -1 || cr + 1 >= this.buffer.length) {
      if (this.buffer.length - start > this.limits.maxInlineBytes) throw new ProtocolError(`${what} line longer than ${this.limits.maxInlineBytes} bytes`);
      return undefined;
    }
    if (this.buffer[cr + 1] !== LF) throw new ProtocolError(`${what} line not terminated by CRLF`);
    return { text: this.buffer.toString("latin1", start, cr), end: cr + 2 };
  }
}

function parseInteger(text: string): number | undefined {
  if (!/^-?\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

function printable(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, "0")}`;
}

const isSpace = (char: string) => char === " " || char === "\t" || char === "\r" || char === "\n" || char === "\v" || char === "\f";

/** Splits an inline command like Redis's sdssplitargs: whitespace separates arguments; "double
 *  quotes" take \n \r \t \b \a \\ \" and \xHH escapes; 'single quotes' take \' only. */
export function splitInlineArguments(line: string): string[] {
  const args: string[] = [];
  let position = 0;
  for (;;) {
    while (position < line.length && isSpace(line[position])) position++;
    if (position >= line.length) return args;
    let current = "";
    let quote: '"' | "'" | undefined;
    if (line[position] === '"' || line[position] === "'") quote = line[position++] as '"' | "'";
    for (;;) {
      if (position >= line.length) {
        if (quote) throw new ProtocolError("unbalanced quotes in request");
        break;
      }
      const char = line[position];
      if (!quote) {
        if (isSpace(char)) break;
        current += char;
        position++;
        continue;
      }
      if (char === quote) {
        position++;
        if (position < line.length && !isSpace(line[position])) throw new ProtocolError("closing quote must be followed by a space");
        break;
      }
      if (char === "\\" && position + 1 < line.length) {
        const next = line[position + 1];
        if (quote === "'") {
          current += next === "'" ? "'" : `\\${next}`;
          position += 2;
          continue;
        }
        const hex = line.slice(position + 2, position + 4);
        if (next === "x" && /^[0-9a-fA-F]{2}$/.test(hex)) {
          current += String.fromCharCode(parseInt(hex, 16));
          position += 4;
          continue;
        }
        const escapes: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" };
        current += escapes[next] ?? next;
        position += 2;
        continue;
      }
      current += char;
      position++;
    }
    args.push(current);
  }
}
