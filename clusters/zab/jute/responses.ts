// What the server sends after the handshake: a ReplyHeader, then a body that depends on the
// request the xid answers (the reply does not name its op, so the reader must know it):
//   create             CreateResponse      path
//   create2            Create2Response     path stat
//   exists, setData    ExistsResponse / SetDataResponse   stat
//   getData            GetDataResponse     data:buffer stat
//   getChildren        GetChildrenResponse children:vector<ustring>
//   getChildren2       GetChildren2Response children stat
//   sync               SyncResponse        path
//   multi              see multi.ts (sent with err 0 even when an op failed)
//   delete, check, ping, closeSession, setWatches, auth: no body
//   a notification (xid -1): WatcherEvent
// A reply whose err is not 0 has no body (ZooKeeper sends a failed multi with err 0 and its
// results; a multi refused outright, say for an expired session, has no body either).

import { JuteDecodeError } from "./errors.ts";
import { readReplyHeader, writeReplyHeader, type ReplyHeader } from "./headers.ts";
import { readMultiResponse, writeMultiResponse, type MultiResult } from "./multi.ts";
import { Xid } from "./op-codes.ts";
import { JuteReader } from "./reader.ts";
import type { RequestOp } from "./requests.ts";
import {
  readCreate2ResponseBody,
  readCreateResponseBody,
  readSetDataResponseBody,
  writeRecordResponseBody,
  type Create2Response,
  type CreateResponse,
  type EmptyResponse,
  type SetDataResponse,
} from "./response-records.ts";
import { readStat, writeStat, type Stat } from "./stat.ts";
import { readWatcherEvent, writeWatcherEvent, type WatcherEvent } from "./watcher-event.ts";
import { JuteWriter } from "./writer.ts";

export interface ExistsResponse {
  op: "exists";
  stat: Stat;
}

export interface GetDataResponse {
  op: "getData";
  data: Uint8Array;
  stat: Stat;
}

export interface GetChildrenResponse {
  op: "getChildren";
  children: string[];
}

export interface GetChildren2Response {
  op: "getChildren2";
  children: string[];
  stat: Stat;
}

export interface SyncResponse {
  op: "sync";
  path: string;
}

export interface MultiResponse {
  op: "multi";
  results: MultiResult[];
}

export interface Notification {
  op: "notification";
  event: WatcherEvent;
}

export type ServerResponse =
  | CreateResponse
  | Create2Response
  | SetDataResponse
  | EmptyResponse
  | ExistsResponse
  | GetDataResponse
  | GetChildrenResponse
  | GetChildren2Response
  | SyncResponse
  | MultiResponse
  | Notification;

export interface ReplyFrame {
  header: ReplyHeader;
  /** Absent when header.err is not 0 (except for multi). */
  response?: ServerResponse;
}

const STRING_MIN_BYTES = 4;

/** Decodes a server frame payload. `op` is the op of the request whose xid the reply carries; the
 *  reserved xids (notification, ping) decode without it. */
export function decodeReply(payload: Uint8Array, op: RequestOp | undefined): ReplyFrame {
  const reader = new JuteReader(payload);
  const header = readReplyHeader(reader);
  let response: ServerResponse | undefined;
  if (header.xid === Xid.notification) {
    response = { op: "notification", event: readWatcherEvent(reader) };
  } else if (header.xid === Xid.ping) {
    response = { op: "ping" };
  } else if (header.err === 0 || (op === "multi" && reader.remaining > 0)) {
    if (op === undefined) throw new JuteDecodeError(`reply to xid ${header.xid} of an unknown request`, 0);
    response = readResponseBody(reader, op);
  }
  reader.end("reply");
  const frame: ReplyFrame = { header };
  if (response !== undefined) frame.response = response;
  return frame;
}

function readResponseBody(reader: JuteReader, op: RequestOp): ServerResponse {
  switch (op) {
    case "create":
      return readCreateResponseBody(reader);
    case "create2":
      return readCreate2ResponseBody(reader);
    case "setData":
      return readSetDataResponseBody(reader);
    case "exists":
      return { op, stat: readStat(reader) };
    case "getData":
      return { op, data: reader.buffer("data"), stat: readStat(reader) };
    case "getChildren":
      return { op, children: reader.vector("children", STRING_MIN_BYTES, (r) => r.string("child")) };
    case "getChildren2":
      return { op, children: reader.vector("children", STRING_MIN_BYTES, (r) => r.string("child")), stat: readStat(reader) };
    case "sync":
      return { op, path: reader.string("path") };
    case "multi":
      return { op, results: readMultiResponse(reader) };
    case "delete":
    case "check":
    case "ping":
    case "closeSession":
    case "setWatches":
    case "auth":
      return { op };
  }
}

export function encodeReply(frame: ReplyFrame): Uint8Array {
  const writer = new JuteWriter();
  writeReplyHeader(writer, frame.header);
  const response = frame.response;
  if (response !== undefined) {
    if (frame.header.err !== 0 && response.op !== "multi") throw new RangeError(`a reply with err ${frame.header.err} has no body (${response.op})`);
    switch (response.op) {
      case "notification":
        writeWatcherEvent(writer, response.event);
        break;
      case "exists":
        writeStat(writer, response.stat);
        break;
      case "getData":
        writer.buffer(response.data);
        writeStat(writer, response.stat);
        break;
      case "getChildren":
        writer.vector(response.children, (w, child) => void w.string(child));
        break;
      case "getChildren2":
        writer.vector(response.children, (w, child) => void w.string(child));
        writeStat(writer, response.stat);
        break;
      case "sync":
        writer.string(response.path);
        break;
      case "multi":
        writeMultiResponse(writer, response.results);
        break;
      default:
        writeRecordResponseBody(writer, response);
    }
  }
  return writer.finish();
}
