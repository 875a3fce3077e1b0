// What our servers say to each other beside ZAB itself, and what a proposal carries.
//
// App messages ride the learner link (core/types.ts AppMessage: FIFO with the protocol's own
// messages, as ZooKeeper's REQUEST packets ride the learner's socket), jute-encoded:
//   write       kind:int (1) requestId:long sessionId:long request:buffer   learner → leader
//                 request = a client request frame (requests.ts; xid 0), or for a new session
//                 type:int (-10) sessionId:long timeoutMs:int
//   sync        kind:int (2) requestId:long                                  learner → leader
//   touch       kind:int (3) sessionIds:vector<long>                         learner → leader
//   refused     kind:int (4) requestId:long err:int                          leader → learner
// A proposal's data is the txn with the server and request it answers:
//   origin:int requestId:long txn:buffer (tree/txn-codec.ts)
// so the server the client is connected to answers it when it applies the txn, as ZooKeeper's
// CommitProcessor matches a committed txn to the waiting local request.

import { JuteDecodeError } from "../jute/errors.ts";
import { OpCode } from "../jute/op-codes.ts";
import { JuteReader } from "../jute/reader.ts";
import { decodeRequest, encodeRequest } from "../jute/requests.ts";
import { JuteWriter } from "../jute/writer.ts";
import type { WriteRequest } from "../tree/prepare.ts";

export type AppMessage =
  | { kind: "write"; requestId: bigint; sessionId: bigint; request: WriteRequest }
  | { kind: "sync"; requestId: bigint }
  | { kind: "touch"; sessionIds: bigint[] }
  | { kind: "refused"; requestId: bigint; err: number };

const KIND_CODES = { write: 1, sync: 2, touch: 3, refused: 4 } as const;

export function encodeAppMessage(message: AppMessage): Uint8Array {
  const writer = new JuteWriter(64).int(KIND_CODES[message.kind]);
  switch (message.kind) {
    case "write":
      writer.long(message.requestId).long(message.sessionId).buffer(encodeWriteRequest(message.request));
      break;
    case "sync":
      writer.long(message.requestId);
      break;
    case "touch":
      writer.vector(message.sessionIds, (w, id) => void w.long(id));
      break;
    case "refused":
      writer.long(message.requestId).int(message.err);
      break;
  }
  return writer.finish();
}

export function decodeAppMessage(bytes: Uint8Array): AppMessage {
  const reader = new JuteReader(bytes);
  const code = reader.int("app kind");
  let message: AppMessage;
  switch (code) {
    case KIND_CODES.write:
      message = { kind: "write", requestId: reader.long("requestId"), sessionId: reader.long("sessionId"), request: decodeWriteRequest(reader.buffer("request")) };
      break;
    case KIND_CODES.sync:
      message = { kind: "sync", requestId: reader.long("requestId") };
      break;
    case KIND_CODES.touch:
      message = { kind: "touch", sessionIds: reader.vector("sessionIds", 8, (r) => r.long("sessionId")) };
      break;
    case KIND_CODES.refused:
      message = { kind: "refused", requestId: reader.long("requestId"), err: reader.int("err") };
      break;
    default:
      throw new JuteDecodeError(`unknown app message kind ${code}`, 0);
  }
  reader.end(`${message.kind} app message`);
  return message;
}

function encodeWriteRequest(request: WriteRequest): Uint8Array {
  if (request.op === "createSession") return new JuteWriter(24).int(OpCode.createSession).long(request.sessionId).int(request.timeoutMs).finish();
  if (request.op === "closeSession") return encodeRequest({ header: { xid: 0, type: OpCode.closeSession }, request: { op: "closeSession" } });
  return encodeRequest({ header: { xid: 0, type: OpCode[request.op] }, request });
}

function decodeWriteRequest(bytes: Uint8Array): WriteRequest {
  const peek = new JuteReader(bytes);
  if (bytes.length === 16 && peek.int("type") === OpCode.createSession) {
    return { op: "createSession", sessionId: peek.long("sessionId"), timeoutMs: peek.int("timeoutMs") };
  }
  const { request } = decodeRequest(bytes);
  switch (request.op) {
    case "create":
    case "create2":
    case "delete":
    case "setData":
    case "multi":
      return request;
    case "closeSession":
      return { op: "closeSession" };
    default:
      throw new JuteDecodeError(`a forwarded write holds a ${request.op} request`, 4);
  }
}

export interface ProposalEnvelope {
  /** The server id whose client made the request (0: the leader's own, like a session expiry). */
  origin: number;
  requestId: bigint;
  txn: Uint8Array;
}

export function encodeProposal(envelope: ProposalEnvelope): Uint8Array {
  return new JuteWriter(envelope.txn.length + 24).int(envelope.origin).long(envelope.requestId).buffer(envelope.txn).finish();
}

export function decodeProposal(bytes: Uint8Array): ProposalEnvelope {
  const reader = new JuteReader(bytes);
  const envelope = { origin: reader.int("origin"), requestId: reader.long("requestId"), txn: reader.buffer("txn") };
  reader.end("proposal envelope");
  return envelope;
}
