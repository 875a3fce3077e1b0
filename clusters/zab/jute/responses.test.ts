import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { notificationReply, numberedReply } from "./arbitraries.fixture.ts";
import { ErrorCode } from "./error-codes.ts";
import { JuteDecodeError } from "./errors.ts";
import { Xid } from "./op-codes.ts";
import { decodeReply, encodeReply } from "./responses.ts";
import { EventType, KeeperState } from "./watcher-event.ts";

const stat = { czxid: 1n, mzxid: 2n, ctime: 3n, mtime: 4n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 1, numChildren: 0, pzxid: 1n };

describe("server replies", () => {
  test("property: replies to numbered requests round-trip, told the request's op", () => {
    fc.assert(fc.property(numberedReply, (frame) => {
      expect(decodeReply(encodeReply(frame), frame.response?.op === "notification" ? undefined : (frame.response?.op ?? "getData"))).toEqual(frame);
    }));
  });

  test("property: notifications decode without knowing any request", () => {
    fc.assert(fc.property(notificationReply, (frame) => {
      expect(decodeReply(encodeReply(frame), undefined)).toEqual(frame);
    }));
  });

  test("a ping reply is a bare header with xid -2", () => {
    const bytes = encodeReply({ header: { xid: Xid.ping, zxid: 5n, err: 0 } });
    expect(bytes.length).toBe(16);
    expect(decodeReply(bytes, undefined)).toEqual({ header: { xid: -2, zxid: 5n, err: 0 }, response: { op: "ping" } });
  });

  test("an error reply has no body", () => {
    const bytes = encodeReply({ header: { xid: 9, zxid: 5n, err: ErrorCode.noNode } });
    expect(decodeReply(bytes, "exists")).toEqual({ header: { xid: 9, zxid: 5n, err: -101 } });
    expect(() => encodeReply({ header: { xid: 9, zxid: 5n, err: ErrorCode.noNode }, response: { op: "exists", stat } })).toThrow(RangeError);
  });

  test("a failed multi: err 0 in the header, the errors in the results", () => {
    const frame = { header: { xid: 2, zxid: 7n, err: 0 }, response: { op: "multi" as const, results: [{ op: "error" as const, err: 0 }, { op: "error" as const, err: ErrorCode.badVersion }, { op: "error" as const, err: ErrorCode.runtimeInconsistency }] } };
    expect(decodeReply(encodeReply(frame), "multi")).toEqual(frame);
  });

  test("a watch notification", () => {
    const frame = { header: { xid: Xid.notification, zxid: -1n, err: 0 }, response: { op: "notification" as const, event: { type: EventType.nodeDeleted, state: KeeperState.syncConnected, path: "/x" } } };
    expect(decodeReply(encodeReply(frame), undefined)).toEqual(frame);
  });

  test("a reply to an unknown request, or with a body that does not fit its op, is refused", () => {
    const bytes = encodeReply({ header: { xid: 3, zxid: 1n, err: 0 }, response: { op: "getData", data: new Uint8Array([1]), stat } });
    expect(() => decodeReply(bytes, undefined)).toThrow(/unknown request/);
    expect(() => decodeReply(bytes, "exists")).toThrow(JuteDecodeError);
  });
});
