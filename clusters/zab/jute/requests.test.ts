import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { OPEN_ACL_UNSAFE } from "./acl.ts";
import { requestFrame } from "./arbitraries.fixture.ts";
import { JuteDecodeError } from "./errors.ts";
import { OpCode, Xid } from "./op-codes.ts";
import { CreateFlags } from "./request-records.ts";
import { decodeRequest, encodeRequest } from "./requests.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("client requests", () => {
  test("ping: a header and nothing else", () => {
    const bytes = encodeRequest({ header: { xid: Xid.ping, type: OpCode.ping }, request: { op: "ping" } });
    expect(hex(bytes)).toBe("fffffffe0000000b");
    expect(decodeRequest(bytes)).toEqual({ header: { xid: -2, type: 11 }, request: { op: "ping" } });
  });

  test("getData /a with a watch", () => {
    const bytes = encodeRequest({ header: { xid: 1, type: OpCode.getData }, request: { op: "getData", path: "/a", watch: true } });
    expect(hex(bytes)).toBe("00000001" + "00000004" + "00000002" + "2f61" + "01");
  });

  test("create: path, data, ACL, flags", () => {
    const request = { op: "create" as const, path: "/lock-", data: new Uint8Array([1, 2]), acl: [...OPEN_ACL_UNSAFE], flags: CreateFlags.ephemeralSequential };
    const bytes = encodeRequest({ header: { xid: 3, type: OpCode.create }, request });
    expect(hex(bytes.subarray(8, 8 + 10))).toBe("00000006" + Buffer.from("/lock-").toString("hex"));
    expect(hex(bytes.subarray(bytes.length - 4))).toBe("00000003");
    expect(decodeRequest(bytes).request).toEqual(request);
  });

  test("setData carries the expected version; -1 is any", () => {
    const bytes = encodeRequest({ header: { xid: 4, type: OpCode.setData }, request: { op: "setData", path: "/r", data: new Uint8Array([5]), version: -1 } });
    expect(hex(bytes.subarray(bytes.length - 4))).toBe("ffffffff");
  });

  test("property: every request round-trips", () => {
    fc.assert(fc.property(requestFrame, (frame) => {
      expect(decodeRequest(encodeRequest(frame))).toEqual(frame);
    }));
  });

  test("unknown and unserved op codes are refused", () => {
    const header = (type: number) => new Uint8Array([0, 0, 0, 1, ...new Uint8Array(new Int32Array([type]).buffer).reverse()]);
    expect(() => decodeRequest(header(10))).toThrow(/unsupported request type 10/);
    expect(() => decodeRequest(header(OpCode.reconfig))).toThrow(/unsupported request type 16 \(reconfig\)/);
    expect(() => decodeRequest(header(OpCode.createSession))).toThrow(JuteDecodeError);
  });

  test("a body longer than its record is refused", () => {
    const bytes = encodeRequest({ header: { xid: 1, type: OpCode.sync }, request: { op: "sync", path: "/" } });
    expect(() => decodeRequest(new Uint8Array([...bytes, 0]))).toThrow(/unexpected bytes after sync request/);
  });

  test("the header's type must match the op when encoding", () => {
    expect(() => encodeRequest({ header: { xid: 1, type: OpCode.delete }, request: { op: "sync", path: "/" } })).toThrow(RangeError);
  });
});
