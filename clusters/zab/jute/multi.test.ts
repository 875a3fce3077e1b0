import { describe, expect, test } from "vitest";
import { OPEN_ACL_UNSAFE } from "./acl.ts";
import { JuteDecodeError } from "./errors.ts";
import { readMultiRequest, readMultiResponse, writeMultiRequest, writeMultiResponse, type MultiOp } from "./multi.ts";
import { OpCode } from "./op-codes.ts";
import { JuteReader } from "./reader.ts";
import { JuteWriter } from "./writer.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("multi", () => {
  test("each op behind a MultiHeader (type, done false, err -1), closed by (-1, true, -1)", () => {
    const writer = new JuteWriter();
    writeMultiRequest(writer, [{ op: "check", path: "/a", version: 3 }]);
    expect(hex(writer.finish())).toBe("0000000d" + "00" + "ffffffff" + "00000002" + "2f61" + "00000003" + "ffffffff" + "01" + "ffffffff");
  });

  test("requests round-trip in order", () => {
    const ops: MultiOp[] = [
      { op: "create", path: "/a", data: new Uint8Array([1]), acl: [...OPEN_ACL_UNSAFE], flags: 0 },
      { op: "setData", path: "/a", data: new Uint8Array([2]), version: 0 },
      { op: "delete", path: "/b", version: -1 },
      { op: "check", path: "/c", version: 1 },
    ];
    const writer = new JuteWriter();
    writeMultiRequest(writer, ops);
    expect(readMultiRequest(new JuteReader(writer.finish()))).toEqual(ops);
  });

  test("an error result is type -1 with its code twice (header and ErrorResponse)", () => {
    const writer = new JuteWriter();
    writeMultiResponse(writer, [{ op: "error", err: -101 }]);
    expect(hex(writer.finish())).toBe("ffffffff" + "00" + "ffffff9b" + "ffffff9b" + "ffffffff" + "01" + "ffffffff");
  });

  test("ops a multi may not hold, and a multi without its closing header, are refused", () => {
    const nested = new JuteWriter().int(OpCode.multi).boolean(false).int(-1).finish();
    expect(() => readMultiRequest(new JuteReader(nested))).toThrow(/op type 14 is not allowed in a multi/);
    const unterminated = new JuteWriter().int(OpCode.delete).boolean(false).int(-1).string("/a").int(-1).finish();
    expect(() => readMultiRequest(new JuteReader(unterminated))).toThrow(/ends without its closing header/);
    const badResult = new JuteWriter().int(OpCode.getData).boolean(false).int(0).finish();
    expect(() => readMultiResponse(new JuteReader(badResult))).toThrow(JuteDecodeError);
  });
});
