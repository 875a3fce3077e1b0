// The session handshake, the first frame in each direction of a client connection. It has no
// RequestHeader/ReplyHeader.
//   ConnectRequest   protocolVersion:int lastZxidSeen:long timeOut:int sessionId:long passwd:buffer
//                    [readOnly:boolean]
//   ConnectResponse  protocolVersion:int timeOut:int sessionId:long passwd:buffer [readOnly:boolean]
// readOnly came with ZooKeeper 3.4 and older clients (the 3.4 C client among them) leave it out, so
// it is read only when a byte remains; we always write it.

import { JuteReader } from "./reader.ts";
import { JuteWriter } from "./writer.ts";

export interface ConnectRequest {
  protocolVersion: number;
  /** The last zxid the client saw: a server behind it must refuse the session (the client would
   *  otherwise travel back in time). */
  lastZxidSeen: bigint;
  /** Requested session timeout, milliseconds. */
  timeOutMs: number;
  /** 0 for a new session; an existing one when reconnecting. */
  sessionId: bigint;
  passwd: Uint8Array;
  /** Whether the client accepts a read-only server; undefined when the client did not send it. */
  readOnly?: boolean;
}

export interface ConnectResponse {
  protocolVersion: number;
  /** Negotiated session timeout, milliseconds; 0 or less tells the client its session expired. */
  timeOutMs: number;
  sessionId: bigint;
  passwd: Uint8Array;
  readOnly?: boolean;
}

export function decodeConnectRequest(payload: Uint8Array): ConnectRequest {
  const reader = new JuteReader(payload);
  const request: ConnectRequest = {
    protocolVersion: reader.int("protocolVersion"),
    lastZxidSeen: reader.long("lastZxidSeen"),
    timeOutMs: reader.int("timeOut"),
    sessionId: reader.long("sessionId"),
    passwd: reader.buffer("passwd"),
  };
  if (reader.remaining > 0) request.readOnly = reader.boolean("readOnly");
  reader.end("ConnectRequest");
  return request;
}

export function encodeConnectRequest(request: ConnectRequest): Uint8Array {
  const writer = new JuteWriter(64)
    .int(request.protocolVersion)
    .long(request.lastZxidSeen)
    .int(request.timeOutMs)
    .long(request.sessionId)
    .buffer(request.passwd);
  if (request.readOnly !== undefined) writer.boolean(request.readOnly);
  return writer.finish();
}

export function decodeConnectResponse(payload: Uint8Array): ConnectResponse {
  const reader = new JuteReader(payload);
  const response: ConnectResponse = {
    protocolVersion: reader.int("protocolVersion"),
    timeOutMs: reader.int("timeOut"),
    sessionId: reader.long("sessionId"),
    passwd: reader.buffer("passwd"),
  };
  if (reader.remaining > 0) response.readOnly = reader.boolean("readOnly");
  reader.end("ConnectResponse");
  return response;
}

export function encodeConnectResponse(response: ConnectResponse): Uint8Array {
  const writer = new JuteWriter(64).int(response.protocolVersion).int(response.timeOutMs).long(response.sessionId).buffer(response.passwd);
  if (response.readOnly !== undefined) writer.boolean(response.readOnly);
  return writer.finish();
}
