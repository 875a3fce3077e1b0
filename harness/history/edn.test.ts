import { describe, expect, it } from "vitest";
import { EdnSymbol, EdnSyntaxError, ednToPlain, parseEdn, parseEdnForms } from "./edn.ts";

describe("parseEdn", () => {
  it("reads scalars", () => {
    expect(parseEdn("nil")).toBe(null);
    expect(parseEdn("true")).toBe(true);
    expect(parseEdn("false")).toBe(false);
    expect(parseEdn("42")).toBe(42);
    expect(parseEdn("-7")).toBe(-7);
    expect(parseEdn("+3")).toBe(3);
    expect(parseEdn("3.25")).toBe(3.25);
    expect(parseEdn("-1.5e3")).toBe(-1500);
    expect(parseEdn("12N")).toBe(12);
    expect(parseEdn("1.5M")).toBe(1.5);
    expect(parseEdn("1/4")).toBe(0.25);
    expect(parseEdn("##Inf")).toBe(Infinity);
    expect(parseEdn("##-Inf")).toBe(-Infinity);
    expect(parseEdn("##NaN")).toBeNaN();
  });

  it("reads keywords as strings without the colon", () => {
    expect(parseEdn(":invoke")).toBe("invoke");
    expect(parseEdn(":timed-out")).toBe("timed-out");
    expect(parseEdn(":jepsen.history/op")).toBe("jepsen.history/op");
  });

  it("reads strings with escapes", () => {
    expect(parseEdn(String.raw`"a\"b\\c\nd\te\u00e9"`)).toBe('a"b\\c\nd\teé');
    expect(parseEdn('"x 0 0 y"')).toBe("x 0 0 y");
    expect(parseEdn('""')).toBe("");
    expect(parseEdn('"line one\nline two"')).toBe("line one\nline two");
  });

  it("reads characters", () => {
    expect(parseEdn("\\a")).toBe("a");
    expect(parseEdn("\\newline")).toBe("\n");
    expect(parseEdn("\\space")).toBe(" ");
    expect(parseEdn("\\u0041")).toBe("A");
    expect(parseEdn("[\\( \\,]")).toEqual(["(", ","]);
  });

  it("reads symbols as EdnSymbol", () => {
    const symbol = parseEdn("my.ns/thing");
    expect(symbol).toBeInstanceOf(EdnSymbol);
    expect((symbol as EdnSymbol).name).toBe("my.ns/thing");
    expect((parseEdn("-") as EdnSymbol).name).toBe("-");
    expect((parseEdn("+x") as EdnSymbol).name).toBe("+x");
  });

  it("reads vectors and lists as arrays, commas as whitespace", () => {
    expect(parseEdn("[1 2 [3 -4]]")).toEqual([1, 2, [3, -4]]);
    expect(parseEdn("(1, 2,,3)")).toEqual([1, 2, 3]);
    expect(parseEdn("[]")).toEqual([]);
    expect(parseEdn("[[:append 255 8] [:r 253 nil]]")).toEqual([["append", 255, 8], ["r", 253, null]]);
  });

  it("reads maps as Map keyed by keyword strings", () => {
    const map = parseEdn('{:type :invoke, :f :read, :process 3, :value nil, "k" [1]}') as Map<unknown, unknown>;
    expect(map).toBeInstanceOf(Map);
    expect(map.get("type")).toBe("invoke");
    expect(map.get("f")).toBe("read");
    expect(map.get("process")).toBe(3);
    expect(map.get("value")).toBe(null);
    expect(map.get("k")).toEqual([1]);
    expect(map.size).toBe(5);
  });

  it("reads sets", () => {
    const set = parseEdn("#{1 2 :three}") as Set<unknown>;
    expect(set).toBeInstanceOf(Set);
    expect([...set]).toEqual([1, 2, "three"]);
  });

  it("skips comments and #_ discarded forms", () => {
    expect(parseEdn("; a comment\n[1 ; inline\n 2 #_ 3 #_[4 5] 6]")).toEqual([1, 2, 6]);
  });

  it("reads #inst, #uuid and record literals, and refuses other tags by name", () => {
    expect(parseEdn('#inst "2024-01-02T03:04:05Z"')).toBe("2024-01-02T03:04:05Z");
    expect(parseEdn('#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"')).toBe("f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
    const record = parseEdn("#jepsen.history.Op{:index 0 :type :ok}") as Map<unknown, unknown>;
    expect(record.get("type")).toBe("ok");
    expect(() => parseEdn("#point [1 2]")).toThrow(/unsupported tagged literal #point/);
  });

  it("rejects malformed input with line and column", () => {
    const cases: [string, RegExp][] = [
      ["[1 2", /end of input inside a collection/],
      ["[1 2)", /mismatched '\)'/],
      ['"abc', /inside a string/],
      ["{:a}", /map key "a" has no value/],
      ["{:a 1 :a 2}", /duplicate map key "a"/],
      ['"\\q"', /unknown escape \\q/],
      ["1.2.3", /invalid number 1\.2\.3/],
      ["]", /no open collection/],
      ["1 2", /after the first value/],
      ["", /found nothing/],
      ["::a", /invalid keyword/],
    ];
    for (const [text, reason] of cases) {
      expect(() => parseEdn(text), text).toThrow(reason);
    }
    try {
      parseEdn("[1\n 2\n  {:a 1 :b}]");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EdnSyntaxError);
      expect((err as EdnSyntaxError).line).toBe(3);
    }
  });
});

describe("parseEdnForms", () => {
  it("returns every top-level form with its starting line", () => {
    const forms = parseEdnForms("{:a 1}\n; comment\n\n{:b\n 2}\n:c");
    expect(forms.map((form) => form.line)).toEqual([1, 4, 6]);
    expect(forms[2].value).toBe("c");
  });
});

describe("ednToPlain", () => {
  it("turns maps into objects and sets into arrays", () => {
    expect(ednToPlain(parseEdn('{:a #{1} "b" [x nil] 3 4}'))).toEqual({ a: [1], b: ["x", null], "3": 4 });
  });
});
