// The readers' fast paths (edn-simple-values.ts, json-simple-values.ts) may decline anything, but
// what they accept they must read exactly as the full parsers do: JSON.parse for JSONL, parseEdn
// for EDN. Checked on hand-picked edge cases, on random byte soup (where nearly everything must
// be declined or agree), and on whole histories read once by the fast path and once with every
// line forced onto the full parser.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteSource } from "./byte-source.ts";
import { EdnSimpleValues, NOT_SIMPLE as EDN_NOT_SIMPLE } from "./edn-simple-values.ts";
import { ednToPlain, parseEdn } from "./edn.ts";
import { JsonSimpleValues, NOT_SIMPLE as JSON_NOT_SIMPLE } from "./json-simple-values.ts";
import { HistoryParseError } from "./parse-error.ts";
import { parseEdnHistory } from "./read-edn.ts";
import { parseJsonlHistory } from "./read-jsonl.ts";
import { ValuePool } from "./value-pool.ts";

/** The JSON fast path's reading of `text` followed by "}" (a value needs a byte after it), or
 *  NOT_SIMPLE when it declines or stops before the "}". */
function jsonFast(text: string, scanner = new JsonSimpleValues(new ValuePool())): unknown {
  scanner.bytes = Buffer.from(`${text}}`, "utf8");
  scanner.pos = 0;
  scanner.end = scanner.bytes.length;
  const value = scanner.value();
  return value !== JSON_NOT_SIMPLE && scanner.pos === scanner.end - 1 ? value : JSON_NOT_SIMPLE;
}

function ednFast(text: string, scanner = new EdnSimpleValues(new ValuePool())): unknown {
  scanner.bytes = Buffer.from(`${text}}`, "utf8");
  scanner.pos = 0;
  scanner.end = scanner.bytes.length;
  const value = scanner.value();
  return value !== EDN_NOT_SIMPLE && scanner.pos === scanner.end - 1 ? value : EDN_NOT_SIMPLE;
}

function jsonParsed(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function ednParsed(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: ednToPlain(parseEdn(text)) };
  } catch {
    return { ok: false };
  }
}

/** Accepted means read as the full parser reads it. */
function agreesWithJson(text: string): void {
  const fast = jsonFast(text);
  if (fast === JSON_NOT_SIMPLE) return;
  const full = jsonParsed(text);
  expect(full.ok, `fast path accepted ${JSON.stringify(text)}, JSON.parse rejects it`).toBe(true);
  if (full.ok) expect(fast, JSON.stringify(text)).toStrictEqual(full.value);
}

function agreesWithEdn(text: string): void {
  const fast = ednFast(text);
  if (fast === EDN_NOT_SIMPLE) return;
  const full = ednParsed(text);
  expect(full.ok, `fast path accepted ${JSON.stringify(text)}, parseEdn rejects it`).toBe(true);
  if (full.ok) expect(fast, JSON.stringify(text)).toStrictEqual(full.value);
}

describe("JSON fast path", () => {
  it("reads the values a history is made of", () => {
    expect(jsonFast("[0,1,-7,123456789012345]")).toStrictEqual([0, 1, -7, 123456789012345]);
    expect(jsonFast('[["append",3,1],["r",4,[1,2,3]],["r",5,null]]')).toStrictEqual([["append", 3, 1], ["r", 4, [1, 2, 3]], ["r", 5, null]]);
    expect(jsonFast('[ true , false,"a b" ,[ ] ]')).toStrictEqual([true, false, "a b", []]);
    expect(jsonFast('"n1"')).toBe("n1");
  });

  it("declines what it does not read, so JSON.parse reads it or words the error", () => {
    for (const text of ["01", "-0", "1.5", "1e3", "1234567890123456", "-", '"a\\nb"', '"é"', '"tab\there"', "[1,]", "[,1]", "[1 2]", "{}", '{"a":1}', "nul", "nulll", "True", "[1", '"open']) {
      expect(jsonFast(text), text).toBe(JSON_NOT_SIMPLE);
    }
  });

  it("never accepts what JSON.parse rejects, nor reads anything differently (random byte soup)", () => {
    fc.assert(fc.property(fc.stringOf(fc.constantFrom(..."[]{},:\" 0123456789-.eEtrufalsn\\\t"), { maxLength: 14 }), agreesWithJson), { numRuns: 4_000 });
  });

  it("reads any JSON value JSON.parse reads, or declines it", () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => agreesWithJson(JSON.stringify(value))), { numRuns: 1_000 });
  });

  it("hands out one array for equal arrays", () => {
    const scanner = new JsonSimpleValues(new ValuePool());
    const a = jsonFast('["r",3,[1,2,4]]', scanner);
    const b = jsonFast('["r", 3, [1, 2, 4]]', scanner);
    expect(b).toBe(a);
    expect(jsonFast('["r",3,[1,2,5]]', scanner)).not.toBe(a);
  });
});

describe("EDN fast path", () => {
  it("reads the values a history is made of", () => {
    expect(ednFast("[0 1 -7 123456789012345]")).toStrictEqual([0, 1, -7, 123456789012345]);
    expect(ednFast("[[:append 3 1] [:r 4 [1 2 3]], [:r 5 nil]]")).toStrictEqual([["append", 3, 1], ["r", 4, [1, 2, 3]], ["r", 5, null]]);
    expect(ednFast('[true false "a b" [] :jepsen.history/op]')).toStrictEqual([true, false, "a b", [], "jepsen.history/op"]);
    expect(ednFast("007")).toBe(7);
  });

  it("declines what it does not read, so EdnReader reads it or words the error", () => {
    for (const text of ["-0", "+1", "1.5", "12N", "1/2", "1234567890123456", "-", "foo", "nilly", '"a\\nb"', '"é"', "::a", ":", ":a#b", "(1 2)", "#{1}", "{:a 1}", "[1\n2]", "[1 ; c\n]", "[1", "[1 2)", "\\a"]) {
      expect(ednFast(text), text).toBe(EDN_NOT_SIMPLE);
    }
  });

  it("never accepts what parseEdn rejects, nor reads anything differently (random byte soup)", () => {
    fc.assert(fc.property(fc.stringOf(fc.constantFrom(..."[](){},:\" 0123456789-+./Nnilxtrufase#\\\n;"), { maxLength: 14 }), agreesWithEdn), { numRuns: 4_000 });
  });

  it("hands out one array for equal vectors", () => {
    const scanner = new EdnSimpleValues(new ValuePool());
    const a = ednFast("[:r 3 [1 2 4]]", scanner);
    expect(ednFast("[:r, 3, [1 2 4]]", scanner)).toBe(a);
    expect(ednFast("[:r 3 [1 2 5]]", scanner)).not.toBe(a);
  });
});

/** An op line in many spellings: fields in any order, given twice, unknown ones, odd spacing. */
const jsonOpLine = fc
  .record({
    fields: fc.array(
      fc.oneof(
        fc.tuple(fc.constant("index"), fc.oneof(fc.nat(), fc.constant(-0), fc.double(), fc.constant("3"))),
        fc.tuple(fc.constant("time"), fc.oneof(fc.nat(), fc.constant(null))),
        fc.tuple(fc.constant("process"), fc.oneof(fc.nat(50), fc.constant("nemesis"), fc.constant(1.5))),
        fc.tuple(fc.constant("type"), fc.constantFrom("invoke", "ok", "fail", "info", "bogus")),
        fc.tuple(fc.constant("f"), fc.oneof(fc.constantFrom("txn", "read", "write"), fc.nat())),
        fc.tuple(fc.constant("value"), fc.oneof(fc.jsonValue(), fc.array(fc.tuple(fc.constantFrom("append", "r"), fc.nat(9), fc.oneof(fc.nat(9), fc.constant(null), fc.array(fc.nat(20))))))),
        fc.tuple(fc.constantFrom("key", "node", "error", "answered", "other", "__proto__"), fc.jsonValue()),
      ),
      { maxLength: 9 },
    ),
    space: fc.constantFrom("", " ", "  ", "\t"),
  })
  .map(({ fields, space }) => {
    const body = fields.map(([name, value]) => `"${name}"${space}:${space}${JSON.stringify(value)}`).join(`,${space}`);
    // An unknown field holding an object makes the fast path decline the line, and changes nothing
    // else: the reader ignores fields it does not know.
    return { fast: `{${space}${body}${space}}`, forced: `{"zz":{}${body === "" ? "" : ","}${space}${body}${space}}` };
  });

function outcome(parse: typeof parseJsonlHistory, text: string): unknown {
  const source = ByteSource.fromBuffer(Buffer.from(text, "utf8"));
  try {
    return parse(source, "h").ops;
  } catch (err) {
    if (err instanceof HistoryParseError) return err.message;
    throw err;
  } finally {
    source.close();
  }
}

describe("whole lines: the fast path reads an op as the full parser does", () => {
  it("reads ordinary op lines on the fast path: an invoke and its completion share equal micro-ops", () => {
    const jsonl = outcome(parseJsonlHistory, '{"index":0,"time":0,"process":1,"type":"invoke","f":"txn","value":[["append",3,1],["r",4,null]]}\n{"index":1,"time":5,"process":1,"type":"ok","f":"txn","value":[["append",3,1],["r",4,[1,2]]]}') as { value: unknown[][] }[];
    expect(jsonl[1].value[0]).toBe(jsonl[0].value[0]);
    const edn = outcome(parseEdnHistory, "{:index 0, :time 0, :process 1, :type :invoke, :f :txn, :value [[:append 3 1] [:r 4 nil]]}\n{:index 1, :time 5, :process 1, :type :ok, :f :txn, :value [[:append 3 1] [:r 4 [1 2]]]}") as { value: unknown[][] }[];
    expect(edn[1].value[0]).toBe(edn[0].value[0]);
  });

  it("JSONL: the same ops, or the same error, as with every line given to JSON.parse", () => {
    fc.assert(
      fc.property(fc.array(jsonOpLine, { minLength: 1, maxLength: 4 }), (lines) => {
        const fast = lines.map((line) => line.fast).join("\n");
        expect(outcome(parseJsonlHistory, fast)).toStrictEqual(outcome(parseJsonlHistory, lines.map((line) => line.forced).join("\n")));
      }),
      { numRuns: 500 },
    );
  });

  it("EDN: the same ops, or the same error, as with every op read by EdnReader", () => {
    const ednValue = (value: unknown): string =>
      value === null ? "nil" : Array.isArray(value) ? `[${value.map(ednValue).join(" ")}]` : typeof value === "string" ? (/^[a-z]+$/.test(value) ? `:${value}` : JSON.stringify(value)) : String(value);
    const ednOpLine = fc
      .record({
        fields: fc.array(
          fc.oneof(
            fc.tuple(fc.constant("index"), fc.oneof(fc.nat(), fc.constant(-1))),
            fc.tuple(fc.constant("time"), fc.nat()),
            fc.tuple(fc.constant("process"), fc.oneof(fc.nat(50), fc.constant("nemesis"))),
            fc.tuple(fc.constant("type"), fc.constantFrom("invoke", "ok", "fail", "info", "bogus")),
            fc.tuple(fc.constant("f"), fc.oneof(fc.constantFrom("txn", "read"), fc.nat())),
            fc.tuple(fc.constant("value"), fc.oneof(fc.constant(null), fc.nat(), fc.array(fc.tuple(fc.constantFrom("append", "r"), fc.nat(9), fc.oneof(fc.nat(9), fc.constant(null), fc.array(fc.nat(20))))))),
            fc.tuple(fc.constantFrom("key", "node", "error", "answered"), fc.oneof(fc.nat(), fc.constantFrom("n1", "timed out", "true"), fc.constant(true), fc.constant(null))),
          ),
          { maxLength: 8 },
        ),
        space: fc.constantFrom(" ", ", ", "  "),
      })
      .map(({ fields, space }) => fields.map(([name, value]) => `:${name} ${ednValue(value)}`).join(space));
    fc.assert(
      fc.property(fc.array(ednOpLine, { minLength: 1, maxLength: 4 }), (bodies) => {
        // An unknown key makes the fast path decline an op; the reader ignores it.
        const fast = bodies.map((body) => `{${body}}`).join("\n");
        const forced = bodies.map((body) => `{${body} :zz 1}`).join("\n");
        expect(outcome(parseEdnHistory, fast)).toStrictEqual(outcome(parseEdnHistory, forced));
      }),
      { numRuns: 500 },
    );
  });
});
