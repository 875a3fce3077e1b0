import { describe, expect, it } from "vitest";
import type { Message } from "./core/types.ts";
import { decodeMessage, encodeMessage } from "./wire.ts";

describe("peer message wire format", () => {
  it("round-trips entries and snapshots whose data are Buffers or plain Uint8Arrays", () => {
    const message: Message = {
      type: "appendEntries",
      from: 1,
      to: 2,
      term: 3,
      prevIndex: 4,
      prevTerm: 2,
      commit: 4,
      entries: [
        { index: 5, term: 3, kind: "normal", data: Buffer.from('{"op":"set"}') },
        { index: 6, term: 3, kind: "noop", data: new Uint8Array([0, 255, 7]) },
      ],
    };
    const decoded = decodeMessage(encodeMessage(message));
    expect(decoded.type).toBe("appendEntries");
    if (decoded.type !== "appendEntries") return;
    expect(decoded.entries.map((entry) => [...entry.data])).toEqual([[...Buffer.from('{"op":"set"}')], [0, 255, 7]]);
    expect(decoded.entries[0].data).toBeInstanceOf(Uint8Array);
    const snapshot: Message = { type: "installSnapshot", from: 2, to: 1, term: 9, snapshot: { metadata: { index: 10, term: 9 }, data: new Uint8Array([1, 2]) } };
    expect(decodeMessage(encodeMessage(snapshot))).toEqual(snapshot);
  });

  it("rejects payloads that are not core messages, saying what is wrong", () => {
    expect(() => decodeMessage(Buffer.from('{"type":"gossip","from":1,"to":2,"term":1}'))).toThrow(/unknown type gossip/);
    expect(() => decodeMessage(Buffer.from('{"type":"heartbeat","from":1,"to":"x","term":1}'))).toThrow(/no integer 'to'/);
    expect(() => decodeMessage(Buffer.from("not json"))).toThrow();
  });
});
