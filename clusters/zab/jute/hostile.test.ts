// Malformed and hostile input: whatever bytes arrive, decoding either succeeds or throws a
// JuteDecodeError (which closes the connection) — never another exception, never a large
// allocation on a length field's word.

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { connectRequest, requestFrame } from "./arbitraries.fixture.ts";
import { decodeConnectRequest, decodeConnectResponse, encodeConnectRequest } from "./connect.ts";
import { JuteDecodeError } from "./errors.ts";
import { JuteFrameDecoder } from "./frames.ts";
import { OpCode } from "./op-codes.ts";
import { decodeRequest, encodeRequest, type RequestOp } from "./requests.ts";
import { decodeReply } from "./responses.ts";
import { JuteWriter } from "./writer.ts";

/** Runs `decode` and fails the property on anything thrown that is not a JuteDecodeError. */
function decodesOrRefuses(decode: () => unknown): boolean {
  try {
    decode();
    return true;
  } catch (error) {
    if (error instanceof JuteDecodeError) return true;
    throw error;
  }
}

const OPS: RequestOp[] = ["create", "create2", "delete", "exists", "getData", "setData", "getChildren", "getChildren2", "sync", "check", "multi", "ping", "closeSession", "setWatches", "auth"];

/** Bytes that start like a real request (a valid header) more often than random bytes would. */
const plausibleRequest = fc.tuple(fc.integer(), fc.constantFrom(...OPS), fc.uint8Array({ maxLength: 80 })).map(([xid, op, body]) => {
  const header = new JuteWriter().int(xid | 0).int(OpCode[op]).finish();
  return new Uint8Array([...header, ...body]);
});

/** A valid encoding with a few bytes overwritten, removed or inserted. */
function mutated(encoded: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(encoded, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("set", "delete", "insert")), { minLength: 1, maxLength: 4 })).map(([bytes, edits]) => {
    const out = [...bytes];
    for (const [position, value, kind] of edits) {
      const at = out.length === 0 ? 0 : position % out.length;
      if (kind === "set" && out.length > 0) out[at] = value;
      else if (kind === "delete") out.splice(at, 1);
      else out.splice(at, 0, value);
    }
    return new Uint8Array(out);
  });
}

describe("hostile input", () => {
  test("property: random bytes never crash a decoder", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.constantFrom(...OPS), (bytes, op) => {
        decodesOrRefuses(() => decodeRequest(bytes));
        decodesOrRefuses(() => decodeConnectRequest(bytes));
        decodesOrRefuses(() => decodeConnectResponse(bytes));
        decodesOrRefuses(() => decodeReply(bytes, op));
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  test("property: plausible headers with random bodies never crash the request decoder", () => {
    fc.assert(fc.property(plausibleRequest, (bytes) => decodesOrRefuses(() => decodeRequest(bytes))), { numRuns: 3000 });
  });

  test("property: mutated valid requests and handshakes never crash", () => {
    const requests = requestFrame.map((frame) => encodeRequest(frame));
    fc.assert(fc.property(mutated(requests), (bytes) => decodesOrRefuses(() => decodeRequest(bytes))), { numRuns: 2000 });
    const handshakes = connectRequest.map((request) => encodeConnectRequest(request));
    fc.assert(fc.property(mutated(handshakes), (bytes) => decodesOrRefuses(() => decodeConnectRequest(bytes))), { numRuns: 1000 });
  });

  test("property: every strict prefix of a request is refused", () => {
    fc.assert(
      fc.property(requestFrame, (frame) => {
        const bytes = encodeRequest(frame);
        for (let length = 0; length < bytes.length; length++) {
          expect(() => decodeRequest(bytes.subarray(0, length))).toThrow(JuteDecodeError);
        }
      }),
      { numRuns: 200 },
    );
  });

  test("a length field claiming 2 GiB costs nothing", () => {
    const hostile = new JuteWriter().int(1).int(OpCode.setData).string("/a").int(0x7fff_ffff).finish();
    const started = performance.now();
    for (let i = 0; i < 1000; i++) expect(() => decodeRequest(hostile)).toThrow(/claims 2147483647 bytes/);
    expect(performance.now() - started).toBeLessThan(1000);
    const children = new JuteWriter().int(1).long(1n).int(0).int(0x7fff_fff0).finish();
    expect(() => decodeReply(children, "getChildren")).toThrow(/claims 2147483632 items/);
  });

  test("property: random byte streams never crash the frame decoder", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 10 }), (chunks) => {
        const decoder = new JuteFrameDecoder(64);
        for (const chunk of chunks) if (!decodesOrRefuses(() => decoder.push(chunk))) return false;
        return true;
      }),
    );
  });
});
