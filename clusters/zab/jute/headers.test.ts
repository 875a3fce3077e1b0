import { describe, expect, test } from "vitest";
import { readReplyHeader, readRequestHeader, REPLY_HEADER_BYTES, REQUEST_HEADER_BYTES, writeReplyHeader, writeRequestHeader } from "./headers.ts";
import { JuteReader } from "./reader.ts";
import { JuteWriter } from "./writer.ts";

describe("headers", () => {
  test("request header: xid, type", () => {
    const writer = new JuteWriter();
    writeRequestHeader(writer, { xid: -2, type: 11 });
    const bytes = writer.finish();
    expect(bytes.length).toBe(REQUEST_HEADER_BYTES);
    expect([...bytes]).toEqual([0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 11]);
    expect(readRequestHeader(new JuteReader(bytes))).toEqual({ xid: -2, type: 11 });
  });

  test("reply header: xid, zxid, err", () => {
    const writer = new JuteWriter();
    writeReplyHeader(writer, { xid: 7, zxid: 0x1_0000_0002n, err: -101 });
    const bytes = writer.finish();
    expect(bytes.length).toBe(REPLY_HEADER_BYTES);
    expect([...bytes]).toEqual([0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0x9b]);
    expect(readReplyHeader(new JuteReader(bytes))).toEqual({ xid: 7, zxid: 0x1_0000_0002n, err: -101 });
  });
});
