import { describe, expect, it } from "vitest";
import { decodeConfig, encodeConfig, type Message } from "./core/types.ts";
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
        { index: 7, term: 3, kind: "config", data: encodeConfig([1, 2, 4]) },
      ],
    };
    const decoded = decodeMessage(encodeMessage(message));
    expect(decoded.type).toBe("appendEntries");
    if (decoded.type !== "appendEntries") return;
    expect(decoded.entries.map((entry) => [...entry.data]).slice(0, 2)).toEqual([[...Buffer.from('{"op":"set"}')], [0, 255, 7]]);
    expect(decoded.entries.map((entry) => entry.kind)).toEqual(["normal", "noop", "config"]);
    expect(decodeConfig(decoded.entries[2].data)).toEqual([1, 2, 4]);
    expect(decoded.entries[0].data).toBeInstanceOf(Uint8Array);
    const snapshot: Message = { type: "installSnapshot", from: 2, to: 1, term: 9, snapshot: { metadata: { index: 10, term: 9 }, data: new Uint8Array([1, 2]) } };
    expect(decodeMessage(encodeMessage(snapshot))).toEqual(snapshot);
    const withVoters: Message = { ...snapshot, snapshot: { metadata: { index: 10, term: 9, voters: [1, 3, 5] }, data: new Uint8Array([3]) } };
    expect(decodeMessage(encodeMessage(withVoters))).toEqual(withVoters);
  });

  it("round-trips every message type, with and without optional fields", () => {
    const big = Number.MAX_SAFE_INTEGER;
    const messages: Message[] = [
      { type: "appendEntries", from: 3, to: 1, term: big, prevIndex: big - 1, prevTerm: 0, commit: 0, entries: [] },
      { type: "appendEntriesResponse", from: 1, to: 3, term: 7, reject: true, index: 12, hintIndex: 9, hintTerm: 4 },
      { type: "appendEntriesResponse", from: 1, to: 3, term: 7, reject: false, index: 12, hintIndex: 0, hintTerm: 0 },
      { type: "heartbeat", from: 3, to: 2, term: 7, commit: 11 },
      { type: "heartbeat", from: 3, to: 2, term: 7, commit: 11, context: "7.42 ünïcode" },
      { type: "heartbeatResponse", from: 2, to: 3, term: 7 },
      { type: "heartbeatResponse", from: 2, to: 3, term: 7, context: "7.42" },
      { type: "requestVote", from: 2, to: 1, term: 8, preVote: true, lastIndex: 30, lastTerm: 7 },
      { type: "requestVoteResponse", from: 1, to: 2, term: 8, preVote: false, granted: true },
    ];
    for (const message of messages) expect(decodeMessage(encodeMessage(message))).toStrictEqual(message);
  });

  it("rejects payloads that are not core messages, saying what is wrong", () => {
    const heartbeat = encodeMessage({ type: "heartbeat", from: 1, to: 2, term: 1, commit: 0 });
    expect(() => decodeMessage(Buffer.from('{"type":"heartbeat","from":1,"to":2,"term":1}'))).toThrow(/not wire format 1/);
    expect(() => decodeMessage(Buffer.from([1, 99]))).toThrow(/unknown type code 99/);
    expect(() => decodeMessage(heartbeat.subarray(0, heartbeat.length - 3))).toThrow(/heartbeat message is truncated/);
    expect(() => decodeMessage(Buffer.concat([heartbeat, Buffer.from([0])]))).toThrow(/1 unexpected bytes after its end/);
    const badTerm = Buffer.from(heartbeat);
    badTerm.writeDoubleBE(1.5, 10);
    expect(() => decodeMessage(badTerm)).toThrow(/no integer 'term'/);
    const entries = encodeMessage({ type: "appendEntries", from: 1, to: 2, term: 1, prevIndex: 0, prevTerm: 0, commit: 0, entries: [{ index: 1, term: 1, kind: "normal", data: new Uint8Array([5]) }] });
    const lyingLength = Buffer.from(entries);
    lyingLength.writeUInt32BE(1000, lyingLength.length - 5);
    expect(() => decodeMessage(lyingLength)).toThrow(/'entry data' needs 1000 bytes/);
    expect(() => decodeMessage(Buffer.alloc(0))).toThrow(/too short/);
  });
});
