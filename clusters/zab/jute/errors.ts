// The one error jute decoding throws. A server reading a client's bytes closes the connection on
// it; nothing malformed or hostile may surface as any other exception (a RangeError from a short
// buffer, a TypeError from bad UTF-8) or make the reader allocate what a length field claims.

export class JuteDecodeError extends Error {
  override name = "JuteDecodeError";
  constructor(
    message: string,
    /** Byte offset within the record being decoded where the problem was found. */
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
  }
}
