// Every frame after the handshake starts with a header.
//   RequestHeader  xid:int type:int            (client → server; type is an OpCode)
//   ReplyHeader    xid:int zxid:long err:int   (server → client; zxid is the server's last
//                                               processed zxid, err an ErrorCode)
// Replies to numbered requests carry the request's xid; the reserved xids are in op-codes.ts.

import type { JuteReader } from "./reader.ts";
import type { JuteWriter } from "./writer.ts";

export interface RequestHeader {
  xid: number;
  type: number;
}

export interface ReplyHeader {
  xid: number;
  zxid: bigint;
  err: number;
}

export const REQUEST_HEADER_BYTES = 8;
export const REPLY_HEADER_BYTES = 16;

export function readRequestHeader(reader: JuteReader): RequestHeader {
  return { xid: reader.int("header.xid"), type: reader.int("header.type") };
}

export function writeRequestHeader(writer: JuteWriter, header: RequestHeader): void {
  writer.int(header.xid).int(header.type);
}

export function readReplyHeader(reader: JuteReader): ReplyHeader {
  return { xid: reader.int("header.xid"), zxid: reader.long("header.zxid"), err: reader.int("header.err") };
}

export function writeReplyHeader(writer: JuteWriter, header: ReplyHeader): void {
  writer.int(header.xid).long(header.zxid).int(header.err);
}
