import { describe, expect, test } from "vitest";
import { JuteDecodeError } from "./errors.ts";
import { JuteReader } from "./reader.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

describe("JuteReader", () => {
  test("primitives, big-endian and signed", () => {
    const reader = new JuteReader(bytes(0xff, 0xff, 0xff, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 1, 2));
    expect(reader.int("int")).toBe(-2);
    expect(reader.long("long")).toBe(-(2n ** 63n) + 1n);
    expect(reader.boolean("boolean")).toBe(true);
    reader.end("primitives");
  });

  test("buffers and strings: length, then bytes; -1 is null", () => {
    const reader = new JuteReader(bytes(0, 0, 0, 2, 0x68, 0x69, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff));
    expect(reader.string("s")).toBe("hi");
    expect(reader.nullableString("null")).toBeNull();
    expect(reader.buffer("empty")).toEqual(new Uint8Array(0));
    expect(reader.buffer("null reads as empty")).toEqual(new Uint8Array(0));
    reader.end("strings");
  });

  test("a buffer is a copy, not a view of the frame", () => {
    const frame = bytes(0, 0, 0, 1, 7);
    const data = new JuteReader(frame).buffer("data");
    frame[4] = 9;
    expect(data[0]).toBe(7);
  });

  test("vectors: count then items; -1 is null", () => {
    const reader = new JuteReader(bytes(0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 6, 0xff, 0xff, 0xff, 0xff));
    expect(reader.vector("v", 4, (r) => r.int("item"))).toEqual([5, 6]);
    expect(reader.nullableVector("null", 4, (r) => r.int("item"))).toBeNull();
  });

  test("a hostile length is refused before anything is allocated or read", () => {
    const huge = bytes(0x7f, 0xff, 0xff, 0xff, 1, 2, 3);
    expect(() => new JuteReader(huge).buffer("data")).toThrow(JuteDecodeError);
    expect(() => new JuteReader(huge).vector("v", 1, (r) => r.boolean("b"))).toThrow(/claims 2147483647 items but only 3 bytes remain/);
    // A count that fits the bytes left but not their minimum item size.
    expect(() => new JuteReader(bytes(0, 0, 0, 2, 0, 0, 0, 0)).vector("v", 4, (r) => r.int("i"))).toThrow(JuteDecodeError);
    expect(() => new JuteReader(bytes(0xff, 0xff, 0xff, 0xfe)).buffer("data")).toThrow(/negative length -2/);
  });

  test("short input, bad UTF-8, null where a string is required, trailing bytes", () => {
    expect(() => new JuteReader(bytes(0, 0, 1)).int("int")).toThrow(/int needs 4 bytes, 3 remain/);
    expect(() => new JuteReader(bytes(0, 0, 0, 0, 0, 0, 0)).long("long")).toThrow(JuteDecodeError);
    expect(() => new JuteReader(bytes()).boolean("b")).toThrow(JuteDecodeError);
    expect(() => new JuteReader(bytes(0, 0, 0, 1, 0xc3)).string("path")).toThrow(/path is not valid UTF-8/);
    expect(() => new JuteReader(bytes(0xff, 0xff, 0xff, 0xff)).string("path")).toThrow(/path is null/);
    const reader = new JuteReader(bytes(0, 0, 0, 1, 9));
    reader.int("int");
    expect(() => reader.end("record")).toThrow(/1 unexpected bytes after record/);
  });

  test("errors say where", () => {
    const reader = new JuteReader(bytes(0, 0, 0, 1, 0, 0));
    reader.int("first");
    try {
      reader.int("second");
      expect.fail("should throw");
    } catch (error) {
      expect(error).toBeInstanceOf(JuteDecodeError);
      expect((error as JuteDecodeError).offset).toBe(4);
    }
  });
});
