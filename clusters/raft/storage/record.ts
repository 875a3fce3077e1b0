// The WAL's on-disk record: [length u32][crc32 u32][type u8][payload], big-endian.
// `length` counts the type byte plus the payload; the CRC covers the same bytes, so a record
// whose header survived a torn write but whose body did not is caught by the checksum.

import { crc32 } from "node:zlib";

/** Persistent Raft state that must survive a crash before any vote or acknowledgement. */
export interface HardState {
  term: number;
  /** The node voted for in `term`; "" when no vote was cast. */
  vote: string;
  commit: number;
}

/** One log entry as the WAL stores it; `data` is opaque to the WAL. */
export interface WalEntry {
  index: number;
  term: number;
  data: Buffer;
}

/** Says that a snapshot covering the log up to (index, term) is stored in `path`. */
export interface SnapshotMarker {
  index: number;
  term: number;
  /** File name of the snapshot, relative to the WAL's directory. */
  path: string;
}

export type WalRecord =
  | { type: "hard-state"; hardState: HardState }
  | { type: "entry"; entry: WalEntry }
  | { type: "snapshot"; snapshot: SnapshotMarker };

const TYPE_CODE = { "hard-state": 1, entry: 2, snapshot: 3 } as const;
export const RECORD_HEADER_BYTES = 8;
/** No single record is this large (entries hold client commands); a larger length is corruption. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** An entry or snapshot record (header left to fill): type, index, term, then the payload. */
function indexedRecord(type: number, index: number, term: number, payload: Buffer, what: string): Buffer {
  const B = RECORD_HEADER_BYTES;
  const out = Buffer.allocUnsafe(B + 1 + 8 + 8 + payload.length);
  out.writeUInt8(type, B);
  writeIndex(out, B + 1, index, `${what} index`);
  writeIndex(out, B + 9, term, `${what} term`);
  payload.copy(out, B + 17);
  return out;
}

export function encodeRecord(record: WalRecord): Buffer {
  // Header and body go straight into one buffer: this runs for every entry a node persists.
  const B = RECORD_HEADER_BYTES;
  let out: Buffer;
  switch (record.type) {
    case "hard-state": {
      const { term, vote, commit } = record.hardState;
      const voteBytes = Buffer.from(vote, "utf8");
      out = Buffer.allocUnsafe(B + 1 + 8 + 8 + 2 + voteBytes.length);
      out.writeUInt8(TYPE_CODE["hard-state"], B);
      writeIndex(out, B + 1, term, "hard state term");
      writeIndex(out, B + 9, commit, "hard state commit");
      out.writeUInt16BE(voteBytes.length, B + 17);
      voteBytes.copy(out, B + 19);
      break;
    }
    case "entry": {
      const { index, term, data } = record.entry;
      out = indexedRecord(TYPE_CODE.entry, index, term, data, "entry");
      break;
    }
    case "snapshot": {
      const { index, term, path } = record.snapshot;
      out = indexedRecord(TYPE_CODE.snapshot, index, term, Buffer.from(path, "utf8"), "snapshot");
      break;
    }
  }
  out.writeUInt32BE(out.length - B, 0);
  out.writeUInt32BE(crc32(out.subarray(B)), 4);
  return out;
}

const TWO_TO_32 = 2 ** 32;
/** Highest upper word of a u64 that still fits a safe integer (2^53 - 1). */
const MAX_SAFE_HIGH_WORD = 2 ** 21 - 1;

/** A u64, big-endian, as two u32 words: the same bytes as writeBigUInt64BE without a BigInt. */
function writeIndex(buffer: Buffer, offset: number, value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`WAL cannot encode ${what} ${value}: it must be a non-negative safe integer`);
  }
  buffer.writeUInt32BE(Math.floor(value / TWO_TO_32), offset);
  buffer.writeUInt32BE(value >>> 0, offset + 4);
}

function readIndex(buffer: Buffer, offset: number): number {
  const high = buffer.readUInt32BE(offset);
  if (high > MAX_SAFE_HIGH_WORD) throw new RangeError(`index ${buffer.readBigUInt64BE(offset)} exceeds 2^53`);
  return high * TWO_TO_32 + buffer.readUInt32BE(offset + 4);
}

/** Where decoding stopped and why; every byte from `offset` on is not a valid record. */
export interface DecodeProblem {
  offset: number;
  reason: string;
}

export interface DecodedRecords {
  records: WalRecord[];
  /** Bytes from the start that hold whole, verified records. */
  validLength: number;
  problem?: DecodeProblem;
}

function isAllZero(buffer: Buffer, from: number): boolean {
  for (let i = from; i < buffer.length; i++) if (buffer[i] !== 0) return false;
  return true;
}

/** Decodes records until the end of the buffer, zeros to its end (preallocated space), or the first
 *  record that is torn or corrupt. */
export function decodeRecords(buffer: Buffer): DecodedRecords {
  const records: WalRecord[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const problem = (reason: string): DecodedRecords => ({ records, validLength: offset, problem: { offset, reason } });
    if (buffer.length - offset < RECORD_HEADER_BYTES) {
      return problem(`torn header: ${buffer.length - offset} of ${RECORD_HEADER_BYTES} bytes present`);
    }
    const length = buffer.readUInt32BE(offset);
    const checksum = buffer.readUInt32BE(offset + 4);
    // Zeros to the end, at a record boundary, are space the WAL preallocated (wal.ts): the end.
    if (length === 0 && isAllZero(buffer, offset)) return { records, validLength: offset };
    if (length === 0 || length > MAX_RECORD_BYTES) return problem(`implausible record length ${length}`);
    const bodyStart = offset + RECORD_HEADER_BYTES;
    if (bodyStart + length > buffer.length) {
      return problem(`torn record: ${buffer.length - bodyStart} of ${length} body bytes present`);
    }
    const body = buffer.subarray(bodyStart, bodyStart + length);
    if (crc32(body) !== checksum) return problem(`checksum mismatch (stored ${checksum}, computed ${crc32(body)})`);
    let record: WalRecord;
    try {
      record = decodeBody(body);
    } catch (error) {
      return problem(`undecodable record body: ${(error as Error).message}`);
    }
    records.push(record);
    offset = bodyStart + length;
  }
  return { records, validLength: offset };
}

function decodeBody(body: Buffer): WalRecord {
  const type = body.readUInt8(0);
  switch (type) {
    case TYPE_CODE["hard-state"]: {
      const voteLength = body.readUInt16BE(17);
      if (19 + voteLength !== body.length) throw new RangeError(`vote length ${voteLength} does not fit the record`);
      return {
        type: "hard-state",
        hardState: { term: readIndex(body, 1), commit: readIndex(body, 9), vote: body.toString("utf8", 19) },
      };
    }
    case TYPE_CODE.entry:
      if (body.length < 17) throw new RangeError(`entry record of ${body.length} bytes is too short`);
      // Copy the data out so the entry does not pin the whole segment buffer in memory.
      return { type: "entry", entry: { index: readIndex(body, 1), term: readIndex(body, 9), data: Buffer.from(body.subarray(17)) } };
    case TYPE_CODE.snapshot:
      if (body.length < 17) throw new RangeError(`snapshot record of ${body.length} bytes is too short`);
      return { type: "snapshot", snapshot: { index: readIndex(body, 1), term: readIndex(body, 9), path: body.toString("utf8", 17) } };
    default:
      throw new RangeError(`unknown record type ${type}`);
  }
}
