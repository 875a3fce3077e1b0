import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { AssertionError } from "../../consensus/assert.ts";
import { counterOf, epochOf, formatZxid, makeZxid, MAX_COUNTER, MAX_EPOCH, parseZxid } from "./zxid.ts";

describe("zxid", () => {
  test("epoch in the high 32 bits, counter in the low 32", () => {
    expect(makeZxid(1, 3)).toBe(0x1_0000_0003n);
    expect(makeZxid(0, 0)).toBe(0n);
    expect(makeZxid(MAX_EPOCH, MAX_COUNTER)).toBe(0xffff_ffff_ffff_ffffn);
    expect(epochOf(0x5_0000_0007n)).toBe(5);
    expect(counterOf(0x5_0000_0007n)).toBe(7);
  });

  test("beyond 53 bits, where a number would lose precision", () => {
    const zxid = makeZxid(0x0020_0001, 1);
    expect(zxid + 1n).toBe(makeZxid(0x0020_0001, 2));
    expect(Number(zxid) + 1 === Number(zxid)).toBe(true);
  });

  test("a later epoch orders after any counter of an earlier one", () => {
    expect(makeZxid(2, 0) > makeZxid(1, MAX_COUNTER)).toBe(true);
  });

  test("out-of-range parts are refused", () => {
    expect(() => makeZxid(-1, 0)).toThrow(AssertionError);
    expect(() => makeZxid(0, MAX_COUNTER + 1)).toThrow(AssertionError);
    expect(() => makeZxid(1.5, 0)).toThrow(AssertionError);
  });

  test("readable form round-trips", () => {
    expect(formatZxid(makeZxid(3, 12))).toBe("3:12");
    expect(parseZxid("3:12")).toBe(makeZxid(3, 12));
    expect(() => parseZxid("3-12")).toThrow();
  });

  test("property: parts round-trip and order matches (epoch, counter) order", () => {
    const part = fc.integer({ min: 0, max: MAX_EPOCH });
    fc.assert(
      fc.property(part, part, part, part, (e1, c1, e2, c2) => {
        const a = makeZxid(e1, c1);
        const b = makeZxid(e2, c2);
        expect(epochOf(a)).toBe(e1);
        expect(counterOf(a)).toBe(c1);
        expect(a < b).toBe(e1 < e2 || (e1 === e2 && c1 < c2));
      }),
    );
  });
});
