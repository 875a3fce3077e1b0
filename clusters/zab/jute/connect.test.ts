import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { connectRequest, connectResponse } from "./arbitraries.fixture.ts";
import { decodeConnectRequest, decodeConnectResponse, encodeConnectRequest, encodeConnectResponse } from "./connect.ts";
import { JuteDecodeError } from "./errors.ts";

describe("connect handshake", () => {
  test("the 44-byte request of a client without readOnly (ZooKeeper 3.4's C client)", () => {
    const bytes = encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 30_000, sessionId: 0n, passwd: new Uint8Array(16) });
    expect(bytes.length).toBe(44);
    expect([...bytes.subarray(12, 16)]).toEqual([0, 0, 0x75, 0x30]);
    const decoded = decodeConnectRequest(bytes);
    expect(decoded.readOnly).toBeUndefined();
    expect(decoded.timeOutMs).toBe(30_000);
  });

  test("with readOnly, one more byte", () => {
    const bytes = encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0x2_0000_0001n, timeOutMs: 4000, sessionId: 0x100000abcdn, passwd: new Uint8Array(16).fill(1), readOnly: false });
    expect(bytes.length).toBe(45);
    expect(decodeConnectRequest(bytes)).toMatchObject({ lastZxidSeen: 0x2_0000_0001n, sessionId: 0x100000abcdn, readOnly: false });
  });

  test("a session id with the high bit set (server id 128 or more) survives", () => {
    const sessionId = -0x7f00_0000_0000_0001n;
    expect(decodeConnectResponse(encodeConnectResponse({ protocolVersion: 0, timeOutMs: 4000, sessionId, passwd: new Uint8Array(16) })).sessionId).toBe(sessionId);
  });

  test("property: requests and responses round-trip", () => {
    fc.assert(fc.property(connectRequest, (request) => {
      expect(decodeConnectRequest(encodeConnectRequest(request))).toEqual(request);
    }));
    fc.assert(fc.property(connectResponse, (response) => {
      expect(decodeConnectResponse(encodeConnectResponse(response))).toEqual(response);
    }));
  });

  test("truncated or padded handshakes are refused", () => {
    const bytes = encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 30_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: true });
    for (let length = 0; length < 44; length++) expect(() => decodeConnectRequest(bytes.subarray(0, length))).toThrow(JuteDecodeError);
    expect(() => decodeConnectRequest(new Uint8Array([...bytes, 0]))).toThrow(/unexpected bytes/);
  });
});
