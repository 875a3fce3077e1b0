// The request records a client sends after its RequestHeader, one per op (zookeeper.jute):
//   create, create2   CreateRequest       path:ustring data:buffer acl:vector<ACL> flags:int
//   delete            DeleteRequest       path:ustring version:int
//   exists            ExistsRequest       path:ustring watch:boolean
//   getData           GetDataRequest      path:ustring watch:boolean
//   setData           SetDataRequest      path:ustring data:buffer version:int
//   getChildren(2)    GetChildrenRequest  path:ustring watch:boolean
//   sync              SyncRequest         path:ustring
//   check             CheckVersionRequest path:ustring version:int   (inside a multi)
//   multi             see multi.ts
//   setWatches        SetWatches          relativeZxid:long dataWatches existWatches childWatches:
//                                         vector<ustring>   (sent by clients after a reconnect)
//   auth              AuthPacket          type:int scheme:ustring auth:buffer
//   ping, closeSession                    no body
// A version of -1 means "any version".

import { JuteDecodeError } from "./errors.ts";
import { readRequestHeader, writeRequestHeader, type RequestHeader } from "./headers.ts";
import { readMultiRequest, writeMultiRequest, type MultiOp } from "./multi.ts";
import { OpCode, opName } from "./op-codes.ts";
import { JuteReader } from "./reader.ts";
import { JuteWriter } from "./writer.ts";
import { readCheckBody, readCreateBody, readDeleteBody, readSetDataBody, writeRecordBody, type CheckVersionRequest, type CreateRequest, type DeleteRequest, type SetDataRequest } from "./request-records.ts";

/** exists, getData, getChildren and getChildren2 share a layout. */
export interface PathWatchRequest {
  op: "exists" | "getData" | "getChildren" | "getChildren2";
  path: string;
  watch: boolean;
}

export interface SyncRequest {
  op: "sync";
  path: string;
}

export interface MultiRequest {
  op: "multi";
  ops: MultiOp[];
}

export interface SetWatchesRequest {
  op: "setWatches";
  relativeZxid: bigint;
  dataWatches: string[];
  existWatches: string[];
  childWatches: string[];
}

export interface AuthRequest {
  op: "auth";
  type: number;
  scheme: string;
  auth: Uint8Array;
}

export interface BodilessRequest {
  op: "ping" | "closeSession";
}

export type ClientRequest =
  | CreateRequest
  | DeleteRequest
  | SetDataRequest
  | CheckVersionRequest
  | PathWatchRequest
  | SyncRequest
  | MultiRequest
  | SetWatchesRequest
  | AuthRequest
  | BodilessRequest;

export type RequestOp = ClientRequest["op"];

/** Both parts of a client frame after the handshake. */
export interface RequestFrame {
  header: RequestHeader;
  request: ClientRequest;
}

/** A string needs at least its length field. */
const STRING_MIN_BYTES = 4;

function writeRequestBody(writer: JuteWriter, request: ClientRequest): void {
  switch (request.op) {
    case "create":
    case "create2":
    case "delete":
    case "check":
    case "setData":
      writeRecordBody(writer, request);
      return;
    case "exists":
    case "getData":
    case "getChildren":
    case "getChildren2":
      writer.string(request.path).boolean(request.watch);
      return;
    case "sync":
      writer.string(request.path);
      return;
    case "multi":
      writeMultiRequest(writer, request.ops);
      return;
    case "setWatches": {
      writer.long(request.relativeZxid);
      const writeString = (w: JuteWriter, path: string) => void w.string(path);
      writer.vector(request.dataWatches, writeString).vector(request.existWatches, writeString).vector(request.childWatches, writeString);
      return;
    }
    case "auth":
      writer.int(request.type).string(request.scheme).buffer(request.auth);
      return;
    case "ping":
    case "closeSession":
      return;
  }
}

/** Decodes a client frame payload (after the handshake): header, then the body its type names.
 *  Unknown or unsupported op codes and malformed bodies throw JuteDecodeError. */
export function decodeRequest(payload: Uint8Array): RequestFrame {
  const reader = new JuteReader(payload);
  const header = readRequestHeader(reader);
  const name = opName(header.type);
  let request: ClientRequest;
  switch (name) {
    case "create":
    case "create2":
      request = readCreateBody(reader, name);
      break;
    case "delete":
      request = readDeleteBody(reader);
      break;
    case "setData":
      request = readSetDataBody(reader);
      break;
    case "check":
      request = readCheckBody(reader);
      break;
    case "exists":
    case "getData":
    case "getChildren":
    case "getChildren2":
      request = { op: name, path: reader.string("path"), watch: reader.boolean("watch") };
      break;
    case "sync":
      request = { op: "sync", path: reader.string("path") };
      break;
    case "multi":
      request = { op: "multi", ops: readMultiRequest(reader) };
      break;
    case "setWatches": {
      const relativeZxid = reader.long("relativeZxid");
      const readPath = (r: JuteReader) => r.string("watch path");
      request = {
        op: "setWatches",
        relativeZxid,
        dataWatches: reader.vector("dataWatches", STRING_MIN_BYTES, readPath),
        existWatches: reader.vector("existWatches", STRING_MIN_BYTES, readPath),
        childWatches: reader.vector("childWatches", STRING_MIN_BYTES, readPath),
      };
      break;
    }
    case "auth":
      request = { op: "auth", type: reader.int("auth.type"), scheme: reader.string("auth.scheme"), auth: reader.buffer("auth.auth") };
      break;
    case "ping":
    case "closeSession":
      request = { op: name };
      break;
    default:
      throw new JuteDecodeError(`unsupported request type ${header.type}${name === undefined ? "" : ` (${name})`}`, 4);
  }
  reader.end(`${request.op} request`);
  return { header, request };
}

export function encodeRequest(frame: RequestFrame): Uint8Array {
  const expected = OpCode[frame.request.op];
  if (frame.header.type !== expected) throw new RangeError(`header type ${frame.header.type} does not match op ${frame.request.op} (${expected})`);
  const writer = new JuteWriter();
  writeRequestHeader(writer, frame.header);
  writeRequestBody(writer, frame.request);
  return writer.finish();
}
