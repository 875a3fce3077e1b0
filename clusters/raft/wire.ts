// How core messages travel between nodes: a compact binary encoding in a frame payload.
// It replaced JSON with base64 entry data, whose stringify/parse and base64 passes were the
// largest CPU cost of replication after the socket writes themselves.
//
//   payload  = format:u8 (1) type:u8 from:u32 to:u32 term:num  body
//   num      = float64, big-endian: every term and index is a safe integer, exact in a double
//   bytes    = length:u32 then that many bytes
//   body by type:
//     appendEntries          prevIndex:num prevTerm:num commit:num count:u32 count × entry
//       entry                term:num index:num kind:u8 (0 normal, 1 noop, 2 config) data:bytes
//     appendEntriesResponse  reject:u8 index:num hintIndex:num hintTerm:num
//     heartbeat              commit:num context
//     heartbeatResponse      context
//       context              present:u8, then utf8 text as bytes when present
//     requestVote            preVote:u8 lastIndex:num lastTerm:num
//     requestVoteResponse    preVote:u8 granted:u8
//     installSnapshot        index:num term:num voters data:bytes
//       voters               count:u32 (0: the bootstrap voters) then count × id:u32
//
// Every node of a cluster runs the same code, so there is one format; the leading format byte
// makes a payload from anything else (an old JSON-speaking node, a stray client) fail loudly.

import type { Entry, Message, MessageType } from "./core/types.ts";

const FORMAT = 1;
const TYPE_CODES: Record<MessageType, number> = {
  appendEntries: 1,
  appendEntriesResponse: 2,
  heartbeat: 3,
  heartbeatResponse: 4,
  requestVote: 5,
  requestVoteResponse: 6,
  installSnapshot: 7,
};
const TYPES_BY_CODE = new Map<number, MessageType>(Object.entries(TYPE_CODES).map(([type, code]) => [code, type as MessageType]));
const KIND_CODES: Record<Entry["kind"], number> = { normal: 0, noop: 1, config: 2 };
const KINDS_BY_CODE: readonly Entry["kind"][] = ["normal", "noop", "config"];
const HEADER_BYTES = 1 + 1 + 4 + 4 + 8;
const ENTRY_FIXED_BYTES = 8 + 8 + 1 + 4;

class Writer {
  private offset = 0;
  constructor(readonly buffer: Buffer) {}
  u8(value: number): void {
    this.offset = this.buffer.writeUInt8(value, this.offset);
  }
  u32(value: number): void {
    this.offset = this.buffer.writeUInt32BE(value, this.offset);
  }
  num(value: number): void {
    this.offset = this.buffer.writeDoubleBE(value, this.offset);
  }
  bytes(data: Uint8Array): void {
    this.u32(data.length);
    this.buffer.set(data, this.offset);
    this.offset += data.length;
  }
  done(): Buffer {
    if (this.offset !== this.buffer.length) throw new Error(`wire encoder sized ${this.buffer.length} bytes but wrote ${this.offset}`);
    return this.buffer;
  }
}

export function encodeMessage(message: Message): Buffer {
  const context = "context" in message && message.context !== undefined ? Buffer.from(message.context, "utf8") : undefined;
  let size = HEADER_BYTES;
  switch (message.type) {
    case "appendEntries":
      size += 8 * 3 + 4;
      for (const entry of message.entries) size += ENTRY_FIXED_BYTES + entry.data.length;
      break;
    case "appendEntriesResponse":
      size += 1 + 8 * 3;
      break;
    case "heartbeat":
      size += 8 + 1 + (context ? 4 + context.length : 0);
      break;
    case "heartbeatResponse":
      size += 1 + (context ? 4 + context.length : 0);
      break;
    case "requestVote":
      size += 1 + 8 * 2;
      break;
    case "requestVoteResponse":
      size += 2;
      break;
    case "installSnapshot":
      size += 8 * 2 + 4 + 4 * (message.snapshot.metadata.voters?.length ?? 0) + 4 + message.snapshot.data.length;
      break;
  }
  const out = new Writer(Buffer.allocUnsafe(size));
  out.u8(FORMAT);
  out.u8(TYPE_CODES[message.type]);
  out.u32(message.from);
  out.u32(message.to);
  out.num(message.term);
  switch (message.type) {
    case "appendEntries":
      out.num(message.prevIndex);
      out.num(message.prevTerm);
      out.num(message.commit);
      out.u32(message.entries.length);
      for (const entry of message.entries) {
        out.num(entry.term);
        out.num(entry.index);
        out.u8(KIND_CODES[entry.kind]);
        out.bytes(entry.data);
      }
      break;
    case "appendEntriesResponse":
      out.u8(message.reject ? 1 : 0);
      out.num(message.index);
      out.num(message.hintIndex);
      out.num(message.hintTerm);
      break;
    case "heartbeat":
      out.num(message.commit);
      writeContext(out, context);
      break;
    case "heartbeatResponse":
      writeContext(out, context);
      break;
    case "requestVote":
      out.u8(message.preVote ? 1 : 0);
      out.num(message.lastIndex);
      out.num(message.lastTerm);
      break;
    case "requestVoteResponse":
      out.u8(message.preVote ? 1 : 0);
      out.u8(message.granted ? 1 : 0);
      break;
    case "installSnapshot":
      out.num(message.snapshot.metadata.index);
      out.num(message.snapshot.metadata.term);
      out.u32(message.snapshot.metadata.voters?.length ?? 0);
      for (const voter of message.snapshot.metadata.voters ?? []) out.u32(voter);
      out.bytes(message.snapshot.data);
      break;
  }
  return out.done();
}

function writeContext(out: Writer, context: Buffer | undefined): void {
  out.u8(context ? 1 : 0);
  if (context) out.bytes(context);
}

class Reader {
  private offset = 0;
  constructor(
    private readonly buffer: Buffer,
    private readonly what: string,
  ) {}
  private need(bytes: number, field: string): void {
    if (this.offset + bytes > this.buffer.length) {
      throw new Error(`peer ${this.what} message is truncated: '${field}' needs ${bytes} bytes at offset ${this.offset}, the payload has ${this.buffer.length}`);
    }
  }
  u8(field: string): number {
    this.need(1, field);
    return this.buffer.readUInt8(this.offset++);
  }
  flag(field: string): boolean {
    const value = this.u8(field);
    if (value > 1) throw new Error(`peer ${this.what} message has '${field}' = ${value}, not 0 or 1`);
    return value === 1;
  }
  u32(field: string): number {
    this.need(4, field);
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  /** A term or index: a non-negative safe integer. */
  num(field: string): number {
    this.need(8, field);
    const value = this.buffer.readDoubleBE(this.offset);
    this.offset += 8;
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`peer ${this.what} message has no integer '${field}' (got ${value})`);
    return value;
  }
  /** A copy, so that a long-lived log entry does not pin the whole received chunk in memory. */
  bytes(field: string): Uint8Array {
    const length = this.u32(`${field} length`);
    this.need(length, field);
    const copy = new Uint8Array(length);
    copy.set(this.buffer.subarray(this.offset, this.offset + length));
    this.offset += length;
    return copy;
  }
  context(): string | undefined {
    return this.flag("context present") ? Buffer.from(this.bytes("context")).toString("utf8") : undefined;
  }
  end(): void {
    if (this.offset !== this.buffer.length) throw new Error(`peer ${this.what} message has ${this.buffer.length - this.offset} unexpected bytes after its end`);
  }
}

/** Decodes a payload from a peer; throws with a description when it is not a core message. */
export function decodeMessage(payload: Buffer): Message {
  if (payload.length < 2) throw new Error(`peer message of ${payload.length} bytes is too short to be a core message`);
  if (payload[0] !== FORMAT) {
    throw new Error(`peer message starts with byte ${payload[0]}, not wire format ${FORMAT}: the peer runs a different node version or is not a node`);
  }
  const type = TYPES_BY_CODE.get(payload[1]);
  if (!type) throw new Error(`peer message has unknown type code ${payload[1]}`);
  const read = new Reader(payload, type);
  read.u8("format");
  read.u8("type");
  const base = { from: read.u32("from"), to: read.u32("to"), term: read.num("term") };
  let message: Message;
  switch (type) {
    case "appendEntries": {
      const prevIndex = read.num("prevIndex");
      const prevTerm = read.num("prevTerm");
      const commit = read.num("commit");
      const count = read.u32("entry count");
      const entries: Entry[] = [];
      for (let i = 0; i < count; i++) {
        const term = read.num("entry term");
        const index = read.num("entry index");
        const kindCode = read.u8("entry kind");
        const kind = KINDS_BY_CODE[kindCode];
        if (kind === undefined) throw new Error(`peer appendEntries message has entry ${index} of unknown kind ${kindCode}`);
        entries.push({ term, index, kind, data: read.bytes("entry data") });
      }
      message = { type, ...base, prevIndex, prevTerm, entries, commit };
      break;
    }
    case "appendEntriesResponse":
      message = { type, ...base, reject: read.flag("reject"), index: read.num("index"), hintIndex: read.num("hintIndex"), hintTerm: read.num("hintTerm") };
      break;
    case "heartbeat": {
      const commit = read.num("commit");
      const context = read.context();
      message = context === undefined ? { type, ...base, commit } : { type, ...base, commit, context };
      break;
    }
    case "heartbeatResponse": {
      const context = read.context();
      message = context === undefined ? { type, ...base } : { type, ...base, context };
      break;
    }
    case "requestVote":
      message = { type, ...base, preVote: read.flag("preVote"), lastIndex: read.num("lastIndex"), lastTerm: read.num("lastTerm") };
      break;
    case "requestVoteResponse":
      message = { type, ...base, preVote: read.flag("preVote"), granted: read.flag("granted") };
      break;
    case "installSnapshot": {
      const index = read.num("snapshot index");
      const term = read.num("snapshot term");
      const count = read.u32("snapshot voter count");
      const voters: number[] = [];
      for (let i = 0; i < count; i++) voters.push(read.u32("snapshot voter"));
      message = { type, ...base, snapshot: { metadata: { index, term, ...(count > 0 ? { voters } : {}) }, data: read.bytes("snapshot data") } };
      break;
    }
  }
  read.end();
  return message;
}
