import { describe, expect, test } from "vitest";
import { ErrorCode, errorName } from "./error-codes.ts";
import { OpCode, opName, Xid } from "./op-codes.ts";

describe("ZooKeeper's numbers", () => {
  test("op codes as ZooDefs.OpCode defines them", () => {
    expect([OpCode.create, OpCode.delete, OpCode.exists, OpCode.getData, OpCode.setData, OpCode.getChildren, OpCode.sync]).toEqual([1, 2, 3, 4, 5, 8, 9]);
    expect([OpCode.ping, OpCode.getChildren2, OpCode.check, OpCode.multi, OpCode.create2]).toEqual([11, 12, 13, 14, 15]);
    expect([OpCode.createSession, OpCode.closeSession, OpCode.error, OpCode.setWatches]).toEqual([-10, -11, -1, 101]);
    expect(opName(12)).toBe("getChildren2");
    expect(opName(10)).toBeUndefined();
  });

  test("every op code and error code is unique", () => {
    expect(new Set(Object.values(OpCode)).size).toBe(Object.keys(OpCode).length);
    expect(new Set(Object.values(ErrorCode)).size).toBe(Object.keys(ErrorCode).length);
  });

  test("error codes as KeeperException.Code defines them", () => {
    expect([ErrorCode.noNode, ErrorCode.badVersion, ErrorCode.nodeExists, ErrorCode.notEmpty, ErrorCode.sessionExpired]).toEqual([-101, -103, -110, -111, -112]);
    expect([ErrorCode.connectionLoss, ErrorCode.noChildrenForEphemerals, ErrorCode.invalidACL, ErrorCode.notReadOnly]).toEqual([-4, -108, -114, -119]);
    expect(errorName(-101)).toBe("noNode");
    expect(errorName(-999)).toBeUndefined();
  });

  test("reserved xids", () => {
    expect(Xid).toEqual({ notification: -1, ping: -2, auth: -4, setWatches: -8 });
  });
});
