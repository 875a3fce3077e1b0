import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { OPEN_ACL_UNSAFE } from "../jute/acl.ts";
import { JuteDecodeError } from "../jute/errors.ts";
import type { MultiSubTxn, Txn } from "./txn.ts";
import { decodeTxn, encodeTxn } from "./txn-codec.ts";

const int32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const path = fc.stringMatching(/^(\/[a-z0-9]{1,4}){1,3}$/);
const bytes = fc.uint8Array({ maxLength: 16 });
const subTxn: fc.Arbitrary<MultiSubTxn> = fc.oneof(
  fc.record({ type: fc.constant("create" as const), op: fc.constantFrom("create" as const, "create2" as const), path, data: bytes, acl: fc.constant([...OPEN_ACL_UNSAFE]), ephemeralOwner: int64, parentCversion: int32 }),
  fc.record({ type: fc.constant("delete" as const), path }),
  fc.record({ type: fc.constant("setData" as const), path, data: bytes, version: int32 }),
  fc.record({ type: fc.constant("check" as const), path }),
  fc.record({ type: fc.constant("error" as const), err: int32 }),
);
const txn: fc.Arbitrary<Txn> = fc.oneof(
  subTxn,
  fc.record({ type: fc.constant("multi" as const), txns: fc.array(subTxn, { maxLength: 4 }) }),
  fc.record({ type: fc.constant("createSession" as const), sessionId: int64, timeoutMs: int32 }),
  fc.record({ type: fc.constant("closeSession" as const), sessionId: int64 }),
);
const header = fc.record({ sessionId: int64, timeMs: fc.nat() });

describe("txn codec (proposal data)", () => {
  test("property: every txn round-trips with its header", () => {
    fc.assert(
      fc.property(header, txn, (h, t) => {
        expect(decodeTxn(encodeTxn(h, t))).toEqual({ header: h, txn: t });
      }),
    );
  });

  test("property: mangled bytes decode or throw a JuteDecodeError, nothing else", () => {
    fc.assert(
      fc.property(header, txn, fc.nat(), fc.integer({ min: 0, max: 255 }), (h, t, position, value) => {
        const bytes = encodeTxn(h, t);
        // Every strict prefix of a txn is incomplete.
        for (let length = 0; length < bytes.length; length++) expect(() => decodeTxn(bytes.subarray(0, length))).toThrow(JuteDecodeError);
        const mangled = bytes.slice();
        mangled[position % mangled.length] = value;
        try {
          decodeTxn(mangled);
        } catch (error) {
          expect(error).toBeInstanceOf(JuteDecodeError);
        }
      }),
      { numRuns: 200 },
    );
  });

  test("a multi inside a multi, or a session txn inside one, is refused", () => {
    const inner = encodeTxn({ sessionId: 1n, timeMs: 0 }, { type: "multi", txns: [{ type: "check", path: "/a" }] });
    // Rewrite the sub-txn's type (after format, session, time, multi type and count) to multi.
    const nested = inner.slice();
    new DataView(nested.buffer).setInt32(4 + 8 + 8 + 4 + 4, 14);
    expect(() => decodeTxn(nested)).toThrow(/txn type 14 inside a multi/);
  });
});
