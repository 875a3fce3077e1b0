// How far a write-ahead log had made itself durable: the segment and byte offset its last
// completed fsync covered. A node writes it (without an fsync of its own: it only ever names data
// that is already durable, so losing an update makes it say less, never more) after every fsync of
// its log; on restart it tells apart a torn tail the node never acknowledged (damage at or after the
// watermark: truncate it) from damage to records it had made durable and may have acknowledged
// (damage before the watermark: refuse to start). The disk nemesis reads it too, to know which part
// of a log was never synced.
//
// Shared by our own nodes (the DiskHook contract of clusters/system.ts): 24 bytes, big-endian —
// "FLSW", the segment's sequence number (u64), the offset (u64), a CRC-32 of the 20 bytes before it.
// The log itself is a directory of segments of length-prefixed records (u32 length, u32 CRC-32 of
// the body, then `length` body bytes), named so that sorting their names orders them.

import { crc32 } from "node:zlib";

export const WATERMARK_FILE = "synced";
const MAGIC = 0x464c5357; // "FLSW"
export const WATERMARK_BYTES = 24;
/** Bytes of a record's header: u32 length, u32 CRC-32. */
export const RECORD_HEADER_BYTES = 8;

export interface SyncedWatermark {
  /** Sequence number of the segment the last fsync covered (the newest segment then). */
  sequence: number;
  /** Bytes of that segment the fsync covered; every earlier segment is durable in full. */
  offset: number;
}

export function encodeWatermark(watermark: SyncedWatermark): Buffer {
  const out = Buffer.alloc(WATERMARK_BYTES);
  out.writeUInt32BE(MAGIC, 0);
  out.writeBigUInt64BE(BigInt(watermark.sequence), 4);
  out.writeBigUInt64BE(BigInt(watermark.offset), 12);
  out.writeUInt32BE(crc32(out.subarray(0, 20)), 20);
  return out;
}

/** The watermark in `bytes`, or undefined when they are not one (missing, torn, corrupt). */
export function decodeWatermark(bytes: Buffer | undefined): SyncedWatermark | undefined {
  if (bytes === undefined || bytes.length < WATERMARK_BYTES) return undefined;
  if (bytes.readUInt32BE(0) !== MAGIC || bytes.readUInt32BE(20) !== crc32(bytes.subarray(0, 20))) return undefined;
  return { sequence: Number(bytes.readBigUInt64BE(4)), offset: Number(bytes.readBigUInt64BE(12)) };
}

/** Whether a position (segment sequence, byte offset) lies in what the watermark says was durable. */
export function isSynced(watermark: SyncedWatermark, sequence: number, offset: number): boolean {
  return sequence < watermark.sequence || (sequence === watermark.sequence && offset < watermark.offset);
}

/** Where each whole record starts and ends, by walking the length headers from the start; stops at
 *  the first header that does not fit (a torn or corrupt tail). Checksums are not verified. */
export function recordSpans(segment: Buffer): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  let offset = 0;
  while (offset + RECORD_HEADER_BYTES <= segment.length) {
    const length = segment.readUInt32BE(offset);
    const end = offset + RECORD_HEADER_BYTES + length;
    if (length === 0 || end > segment.length) break;
    spans.push({ start: offset, end });
    offset = end;
  }
  return spans;
}
