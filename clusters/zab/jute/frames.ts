// ZooKeeper's client connection is a stream of frames: a 4-byte big-endian length, then that many
// bytes of jute. It is the same framing as Faultline's peer links, so the decoder is that one
// (clusters/runtime/local/frames.ts) with ZooKeeper's limit: a server refuses a frame larger than
// jute.maxbuffer (0xfffff bytes by default) rather than allocate it, and so do we; a length with
// the sign bit set reads as a huge unsigned number and is refused the same way.

import { encodeFrame, FrameDecoder, FrameTooLargeError } from "../../runtime/local/frames.ts";
import { JuteDecodeError } from "./errors.ts";

/** ZooKeeper's default jute.maxbuffer: 1 MiB - 1. */
export const DEFAULT_MAX_FRAME_BYTES = 0xfffff;

export function encodeJuteFrame(payload: Uint8Array): Buffer {
  return encodeFrame(payload);
}

/** Splits a byte stream into frame payloads; a length over the limit throws JuteDecodeError, and
 *  every later push throws it again (the stream has lost its framing). */
export class JuteFrameDecoder {
  private readonly frames: FrameDecoder;
  private consumedBytes = 0;

  constructor(readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.frames = new FrameDecoder(maxFrameBytes);
  }

  push(chunk: Uint8Array): Buffer[] {
    try {
      const payloads = this.frames.push(chunk);
      for (const payload of payloads) this.consumedBytes += 4 + payload.length;
      return payloads;
    } catch (error) {
      if (error instanceof FrameTooLargeError) {
        throw new JuteDecodeError(`frame of ${error.payloadBytes} bytes exceeds the ${error.maxPayloadBytes}-byte limit (jute.maxbuffer)`, this.consumedBytes);
      }
      throw error;
    }
  }
}
