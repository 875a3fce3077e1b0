import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FRAME_HEADER_BYTES, FrameDecoder, FrameTooLargeError, MAX_FRAME_PAYLOAD_BYTES, encodeFrame } from "./frames.ts";

/** Splits `bytes` at the given offsets (any order, duplicates allowed). */
function splitAt(bytes: Buffer, offsets: number[]): Buffer[] {
  const cuts = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const cut of cuts) {
    pieces.push(bytes.subarray(start, cut));
    start = cut;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

describe("encodeFrame", () => {
  it("prefixes the payload with its big-endian length", () => {
    const frame = encodeFrame(Buffer.from("hello"));
    expect([...frame.subarray(0, FRAME_HEADER_BYTES)]).toEqual([0, 0, 0, 5]);
    expect(frame.subarray(FRAME_HEADER_BYTES).toString()).toBe("hello");
  });

  it("encodes an empty payload as a bare header", () => {
    expect([...encodeFrame(Buffer.alloc(0))]).toEqual([0, 0, 0, 0]);
  });

  it("refuses a payload over the limit", () => {
    // allocUnsafe keeps this cheap: the 64 MiB are never written or read.
    expect(() => encodeFrame(Buffer.allocUnsafe(MAX_FRAME_PAYLOAD_BYTES + 1))).toThrow(/exceeds the 67108864-byte frame limit/);
  });
});

describe("FrameDecoder", () => {
  it("returns several frames that arrive in one chunk, in order", () => {
    const decoder = new FrameDecoder();
    const chunk = Buffer.concat([encodeFrame(Buffer.from("a")), encodeFrame(Buffer.from("")), encodeFrame(Buffer.from("ccc"))]);
    expect(decoder.push(chunk).map((p) => p.toString())).toEqual(["a", "", "ccc"]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it("assembles a frame split byte by byte, header included", () => {
    const decoder = new FrameDecoder();
    const frame = encodeFrame(Buffer.from("split"));
    const out: Buffer[] = [];
    for (let i = 0; i < frame.length; i++) {
      out.push(...decoder.push(frame.subarray(i, i + 1)));
      if (i < frame.length - 1) expect(out).toEqual([]);
    }
    expect(out.map((p) => p.toString())).toEqual(["split"]);
  });

  it("accepts a payload exactly at the limit and fails above it", () => {
    const ok = new FrameDecoder(8);
    expect(ok.push(encodeFrame(Buffer.alloc(8, 1)))).toHaveLength(1);

    const bad = new FrameDecoder(8);
    expect(() => bad.push(encodeFrame(Buffer.alloc(9, 1)))).toThrow(FrameTooLargeError);
    // The stream has lost its framing: later bytes must not be interpreted.
    expect(() => bad.push(encodeFrame(Buffer.alloc(1)))).toThrow(FrameTooLargeError);
  });

  it("rejects an oversized header before its payload arrives", () => {
    const decoder = new FrameDecoder();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_FRAME_PAYLOAD_BYTES + 1, 0);
    expect(() => decoder.push(header)).toThrow(/67108865-byte payload, above the 67108864-byte limit/);
  });

  it("decodes any chunking of any frames to the same frames", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (payloads, offsets) => {
          const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
          const decoder = new FrameDecoder();
          const decoded = splitAt(stream, offsets).flatMap((piece) => decoder.push(piece));
          expect(decoded.map((p) => [...p])).toEqual(payloads.map((p) => [...p]));
          expect(decoder.pendingBytes).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("holds back exactly the bytes of an unfinished frame", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 50 }), { minLength: 1, maxLength: 10 }), fc.nat(), (payloads, cut) => {
        const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
        const end = cut % (stream.length + 1);
        const decoder = new FrameDecoder();
        const decoded = decoder.push(stream.subarray(0, end));
        const consumed = decoded.reduce((sum, p) => sum + FRAME_HEADER_BYTES + p.length, 0);
        expect(decoder.pendingBytes).toBe(end - consumed);
        expect(decoded.map((p) => [...p])).toEqual(payloads.slice(0, decoded.length).map((p) => [...p]));
      }),
      { numRuns: 300 },
    );
  });
});
