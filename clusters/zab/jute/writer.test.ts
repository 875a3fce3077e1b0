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

  test("values outside jute's ranges are refused", () => {
    expect(() => new JuteWriter().int(2 ** 31)).toThrow(RangeError);
    expect(() => new JuteWriter().int(1.5)).toThrow(RangeError);
    expect(() => new JuteWriter().long(2n ** 63n)).toThrow(RangeError);
  });
});
