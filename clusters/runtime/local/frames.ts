// The wire format of peer traffic between our own nodes (Raft, ZAB), and the only part of it the
// fault proxy understands.
//
//   frame   = length payload
//   length  = 4 bytes, unsigned big-endian: the number of payload bytes (0 allowed)
//   payload = `length` opaque bytes (the protocol's message, encoded as the node likes)
//
// A peer connection carries a sequence of frames in each direction and nothing else. A length above
// MAX_FRAME_PAYLOAD_BYTES is a protocol error: the reader must close the connection rather than
// allocate what a corrupt or hostile header asks for. Knowing where messages start and end is what
// lets the proxy drop, delay, duplicate and reorder whole messages instead of bytes.

export const FRAME_HEADER_BYTES = 4;

/** Largest payload a frame may carry (64 MiB); larger lengths mean a broken or foreign stream. */
export const MAX_FRAME_PAYLOAD_BYTES = 64 * 1024 * 1024;

/** A frame header announced a payload larger than the reader accepts. */
export class FrameTooLargeError extends Error {
  override name = "FrameTooLargeError";
  constructor(
    readonly payloadBytes: number,
    readonly maxPayloadBytes: number,
  ) {
    super(
      `frame header announces a ${payloadBytes}-byte payload, above the ${maxPayloadBytes}-byte limit: ` +
        `the peer is not speaking Faultline's length-prefixed frames (or its stream is corrupt); close the connection`,
    );
  }
}

/** Header + payload, ready to write to a peer socket. */
export function encodeFrame(payload: Buffer | Uint8Array): Buffer {
  if (payload.length > MAX_FRAME_PAYLOAD_BYTES) {
    throw new RangeError(
      `encodeFrame: payload of ${payload.length} bytes exceeds the ${MAX_FRAME_PAYLOAD_BYTES}-byte frame limit; split the message`,
    );
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Turns a byte stream cut into arbitrary chunks back into whole frame payloads.
 * Once a too-large header has been seen the decoder stays failed: the stream has lost its framing
 * and nothing after that point can be trusted.
 */
export class FrameDecoder {
  private readonly chunks: Buffer[] = [];
  private bufferedBytes = 0;
  /** Payload length of the frame being assembled, once its header has been read. */
  private expectedPayloadBytes: number | undefined;
  private failure: FrameTooLargeError | undefined;

  constructor(private readonly maxPayloadBytes = MAX_FRAME_PAYLOAD_BYTES) {}

  /** Bytes received but not yet returned as part of a whole frame (a partial header or payload). */
  get pendingBytes(): number {
    return this.bufferedBytes + (this.expectedPayloadBytes === undefined ? 0 : FRAME_HEADER_BYTES);
  }

  /** Adds received bytes; returns the payloads of every frame they complete, in order.
   *  Throws FrameTooLargeError when a header is over the limit (and on every later call). */
  push(chunk: Buffer | Uint8Array): Buffer[] {
    if (this.failure) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.bufferedBytes += chunk.length;
    }
    const payloads: Buffer[] = [];
    for (;;) {
      if (this.expectedPayloadBytes === undefined) {
        if (this.bufferedBytes < FRAME_HEADER_BYTES) break;
        const length = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
        if (length > this.maxPayloadBytes) {
          this.failure = new FrameTooLargeError(length, this.maxPayloadBytes);
          throw this.failure;
        }
        this.expectedPayloadBytes = length;
      }
      if (this.bufferedBytes < this.expectedPayloadBytes) break;
      payloads.push(this.take(this.expectedPayloadBytes));
      this.expectedPayloadBytes = undefined;
    }
    return payloads;
  }

  /** Removes `count` bytes from the front; a view when they lie in one chunk, a copy otherwise.
   *  Copying only at chunk seams keeps a large frame arriving in many chunks linear, not quadratic. */
  private take(count: number): Buffer {
    if (count === 0) return Buffer.alloc(0);
    this.bufferedBytes -= count;
    const first = this.chunks[0];
    if (first.length >= count) {
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      return first.subarray(0, count);
    }
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const head = this.chunks[0];
      const used = Math.min(head.length, count - filled);
      head.copy(out, filled, 0, used);
      filled += used;
      if (used === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(used);
    }
    return out;
  }
}
