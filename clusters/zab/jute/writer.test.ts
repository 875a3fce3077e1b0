import { describe, expect, test } from "vitest";
import { JuteWriter } from "./writer.ts";

describe("JuteWriter", () => {
  test("primitives, big-endian", () => {
    const bytes = new JuteWriter(1).int(-2).long(0x0102030405060708n).boolean(true).boolean(false).finish();
    expect([...bytes]).toEqual([0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0]);
  });

  test("null buffers, strings and vectors are length -1", () => {
    const bytes = new JuteWriter().buffer(null).string(null).vector(null, () => undefined).finish();
    expect([...bytes]).toEqual(new Array(12).fill(0xff));
  });

  test("strings are UTF-8 with a byte length", () => {
    expect([...new JuteWriter().string("é/").finish()]).toEqual([0, 0, 0, 3, 0xc3, 0xa9, 0x2f]);
  });

  test("grows past its initial capacity", () => {
    const data = new Uint8Array(1000).fill(7);
    const bytes = new JuteWriter(2).buffer(data).int(1).finish();
    expect(bytes.length).toBe(1008);
    expect(bytes[500]).toBe(7);
  });

  test("what finish() returns is the writer's own: later and nested writers reuse the scratch, never those bytes", () => {
    const outer = new JuteWriter().int(1);
    const inner = new JuteWriter().string("inner").finish();
    const first = outer.buffer(inner).finish();
    const second = new JuteWriter().int(2).string("overwritten?").finish();
    new JuteWriter(70_000).buffer(new Uint8Array(70_000).fill(9)).finish();
    expect([...first]).toEqual([0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 5, ...new TextEncoder().encode("inner")]);
    expect([...second.subarray(0, 4)]).toEqual([0, 0, 0, 2]);
    expect(first).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(first)).toBe(false);
  });

  test("a string of multi-byte characters near the scratch's end grows it first", () => {
    const text = "€".repeat(30_000);
    const bytes = new JuteWriter().buffer(new Uint8Array(60_000)).string(text).finish();
    expect(bytes.length).toBe(4 + 60_000 + 4 + 90_000);
    expect(new TextDecoder().decode(bytes.subarray(60_008))).toBe(text);
  });

  test("writing after finish() is refused, not written into a scratch buffer another writer holds", () => {
    const writer = new JuteWriter().int(1);
    writer.finish();
    expect(() => writer.int(2)).toThrow(/after finish/);
  });

  test("values outside jute's ranges are refused", () => {
    expect(() => new JuteWriter().int(2 ** 31)).toThrow(RangeError);
    expect(() => new JuteWriter().int(1.5)).toThrow(RangeError);
    expect(() => new JuteWriter().long(2n ** 63n)).toThrow(RangeError);
  });
});
