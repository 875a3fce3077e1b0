import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RespRequestParser, splitInlineArguments } from "./parser.ts";
import { array, bulk, encodeReply, errorReply, integer, NULL_BULK, simple } from "./reply.ts";

/** How a client library puts a command on the wire. */
function encodeCommand(args: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) parts.push(Buffer.from(`$${arg.length}\r\n`), Buffer.from(arg), Buffer.from("\r\n"));
  return Buffer.concat(parts);
}

/** Cuts `bytes` at the given fractions (each in [0, 1)), in order. */
function cut(bytes: Buffer, fractions: readonly number[]): Buffer[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let previous = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(previous, point));
    previous = point;
  }
  chunks.push(bytes.subarray(previous));
  return chunks;
}

function feed(parser: RespRequestParser, chunks: readonly Buffer[]): { commands: string[][]; error?: string } {
  const commands: string[][] = [];
  for (const chunk of chunks) {
    const result = parser.push(chunk);
    commands.push(...result.commands);
    if (result.error) return { commands, error: result.error };
  }
  return { commands };
}

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");
const commandArbitrary = fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 6 });
const fractions = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { maxLength: 12 });

describe("RespRequestParser", () => {
  it("returns pipelined commands byte for byte, however the stream is cut into chunks", () => {
    fc.assert(
      fc.property(fc.array(commandArbitrary, { minLength: 1, maxLength: 8 }), fractions, (commands, cuts) => {
        const wire = Buffer.concat(commands.map(encodeCommand));
        const result = feed(new RespRequestParser(), cut(wire, cuts));
        expect(result.error).toBeUndefined();
        expect(result.commands).toEqual(commands.map((args) => args.map(latin1)));
      }),
    );
  });

  it("gives the same commands and the same verdict for any byte stream whether chunked or not", () => {
    const interesting = fc.constantFrom(..."*$\r\n0123456789-+ \"'\\xab".split("")).map((c) => c.charCodeAt(0));
    const noise = fc.array(fc.oneof(interesting, fc.integer({ min: 0, max: 255 })), { maxLength: 120 });
    fc.assert(
      fc.property(noise, fractions, (bytes, cuts) => {
        const wire = Buffer.from(bytes);
        const whole = feed(new RespRequestParser({ maxInlineBytes: 30, maxBulkBytes: 20 }), [wire]);
        const chunked = feed(new RespRequestParser({ maxInlineBytes: 30, maxBulkBytes: 20 }), cut(wire, cuts));
        expect(chunked.commands).toEqual(whole.commands);
        expect(chunked.error === undefined).toBe(whole.error === undefined);
        if (whole.error) expect(whole.error).toMatch(/^Protocol error: /);
      }),
    );
  });

  it("never throws on arbitrary bytes, and stays failed after a protocol error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const parser = new RespRequestParser();
        const result = parser.push(Buffer.from(bytes));
        if (result.error) expect(parser.push(encodeCommand([Buffer.from("PING")]))).toEqual({ commands: [], error: result.error });
      }),
    );
  });

  it("parses inline commands, with quotes and escapes, as redis-cli and telnet send them", () => {
    const parser = new RespRequestParser();
    expect(parser.push(Buffer.from('PING\r\nSET key "two words\\n" \'it\\\'s\'\r\n\r\nGET "\\x41\\x42"\n')).commands).toEqual([
      ["PING"],
      ["SET", "key", "two words\n", "it's"],
      ["GET", "AB"],
    ]);
  });

  it("splits words that contain no whitespace or quotes exactly", () => {
    const word = fc.stringMatching(/^[A-Za-z0-9_:.-]{1,12}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 6 }), (words) => {
        expect(splitInlineArguments(words.join("  "))).toEqual(words);
      }),
    );
  });

  it("reports malformed frames as protocol errors naming what was wrong", () => {
    const cases: [string, RegExp][] = [
      ["*x\r\n", /invalid multibulk length 'x'/],
      ["*1\r\n+PING\r\n", /expected '\$', got '\+'/],
      ["*1\r\n$-3\r\n", /invalid bulk length '-3'/],
      ["*1\r\n$4\r\nPINGxx", /not terminated by CRLF/],
      ['SET "unterminated\r\n', /unbalanced quotes/],
      ['GET "a"b\r\n', /closing quote/],
    ];
    for (const [wire, message] of cases) {
      const result = new RespRequestParser().push(Buffer.from(wire));
      expect(result.error, wire).toMatch(message);
    }
  });

  it("refuses oversized lengths before receiving or allocating the body", () => {
    const parser = new RespRequestParser({ maxBulkBytes: 1024, maxArguments: 10, maxInlineBytes: 64 });
    expect(parser.push(Buffer.from("*1\r\n$999999999\r\n")).error).toMatch(/bulk length 999999999 exceeds the limit of 1024/);
    expect(new RespRequestParser({ maxArguments: 10 }).push(Buffer.from("*11\r\n")).error).toMatch(/multibulk length 11 exceeds/);
    expect(new RespRequestParser({ maxInlineBytes: 64 }).push(Buffer.alloc(100, 0x61)).error).toMatch(/inline request longer than 64/);
  });

  it("skips empty lines and empty arrays, as Redis does", () => {
    expect(new RespRequestParser().push(Buffer.from("\r\n*0\r\n*-1\r\nPING\r\n")).commands).toEqual([["PING"]]);
  });

  it("assembles a large bulk string from many small chunks", () => {
    const value = Buffer.alloc(1_000_000, 0x7a);
    const chunks = cut(encodeCommand([Buffer.from("SET"), Buffer.from("k"), value]), Array.from({ length: 500 }, (_, i) => i / 500));
    const result = feed(new RespRequestParser(), chunks);
    expect(result.commands).toHaveLength(1);
    expect(result.commands[0][2].length).toBe(1_000_000);
  });
});

describe("encodeReply", () => {
  it("writes every RESP2 reply type", () => {
    const wire = encodeReply(
      array([simple("OK"), errorReply("ERR bad\r\nthing"), integer(-42), bulk("h\u00e9"), NULL_BULK, array(null), array([])]),
    ).toString("latin1");
    expect(wire).toBe("*7\r\n+OK\r\n-ERR bad thing\r\n:-42\r\n$2\r\nh\u00e9\r\n$-1\r\n*-1\r\n*0\r\n");
  });
});
