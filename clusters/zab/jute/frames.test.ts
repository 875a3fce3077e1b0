import { describe, expect, test } from "vitest";
import { JuteDecodeError } from "./errors.ts";
import { DEFAULT_MAX_FRAME_BYTES, encodeJuteFrame, JuteFrameDecoder } from "./frames.ts";

describe("jute frames", () => {
  test("length prefix, then the payload; reassembled from any chunking", () => {
    const frames = Buffer.concat([encodeJuteFrame(new Uint8Array([1, 2, 3])), encodeJuteFrame(new Uint8Array(0)), encodeJuteFrame(new Uint8Array([9]))]);
    expect([...frames.subarray(0, 4)]).toEqual([0, 0, 0, 3]);
    for (let cut = 0; cut <= frames.length; cut++) {
      const decoder = new JuteFrameDecoder();
      const payloads = [...decoder.push(frames.subarray(0, cut)), ...decoder.push(frames.subarray(cut))];
      expect(payloads.map((payload) => [...payload])).toEqual([[1, 2, 3], [], [9]]);
    }
  });

  test("a length above jute.maxbuffer, or negative, is refused without allocating", () => {
    const decoder = new JuteFrameDecoder();
    expect(() => decoder.push(new Uint8Array([0, 0x10, 0, 0]))).toThrow(JuteDecodeError);
    // The stream has lost its framing: it stays refused.
    expect(() => decoder.push(new Uint8Array([0, 0, 0, 0]))).toThrow(JuteDecodeError);
    expect(() => new JuteFrameDecoder().push(new Uint8Array([0xff, 0xff, 0xff, 0xfe]))).toThrow(/exceeds the 1048575-byte limit/);
    expect(DEFAULT_MAX_FRAME_BYTES).toBe(0xfffff);
  });
});
