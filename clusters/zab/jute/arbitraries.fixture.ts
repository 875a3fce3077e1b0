// fast-check generators of every jute record, for the codec's property tests.

import fc from "fast-check";
import type { Acl } from "./acl.ts";
import type { ConnectRequest, ConnectResponse } from "./connect.ts";
import type { MultiOp, MultiResult } from "./multi.ts";
import { OpCode, Xid } from "./op-codes.ts";
import type { ClientRequest, RequestFrame } from "./requests.ts";
import type { ReplyFrame, ServerResponse } from "./responses.ts";
import type { Stat } from "./stat.ts";

export const int32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
export const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const bytes = fc.uint8Array({ maxLength: 64 });
// Any string, lone surrogates excluded: UTF-8 cannot carry them, so they do not survive any
// encoder (ZooKeeper's included).
const text = fc.string({ unit: "grapheme", maxLength: 24 });
const path = fc.array(fc.stringMatching(/^[a-z0-9]{1,6}$/), { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join("/")}`);

export const stat: fc.Arbitrary<Stat> = fc.record({
  czxid: int64,
  mzxid: int64,
  ctime: int64,
  mtime: int64,
  version: int32,
  cversion: int32,
  aversion: int32,
  ephemeralOwner: int64,
  dataLength: int32,
  numChildren: int32,
  pzxid: int64,
});

const acl: fc.Arbitrary<Acl> = fc.record({ perms: int32, id: fc.record({ scheme: text, id: text }) });

const create = fc.record({ op: fc.constantFrom("create" as const, "create2" as const), path, data: bytes, acl: fc.array(acl, { maxLength: 3 }), flags: int32 });
const deleteOp = fc.record({ op: fc.constant("delete" as const), path, version: int32 });
const setData = fc.record({ op: fc.constant("setData" as const), path, data: bytes, version: int32 });
const check = fc.record({ op: fc.constant("check" as const), path, version: int32 });
const multiOp: fc.Arbitrary<MultiOp> = fc.oneof(create, deleteOp, setData, check);

export const clientRequest: fc.Arbitrary<ClientRequest> = fc.oneof(
  create,
  deleteOp,
  setData,
  check,
  fc.record({ op: fc.constantFrom("exists" as const, "getData" as const, "getChildren" as const, "getChildren2" as const), path, watch: fc.boolean() }),
  fc.record({ op: fc.constant("sync" as const), path }),
  fc.record({ op: fc.constant("multi" as const), ops: fc.array(multiOp, { maxLength: 5 }) }),
  fc.record({
    op: fc.constant("setWatches" as const),
    relativeZxid: int64,
    dataWatches: fc.array(path, { maxLength: 3 }),
    existWatches: fc.array(path, { maxLength: 3 }),
    childWatches: fc.array(path, { maxLength: 3 }),
  }),
  fc.record({ op: fc.constant("auth" as const), type: int32, scheme: text, auth: bytes }),
  fc.record({ op: fc.constantFrom("ping" as const, "closeSession" as const) }),
);

export const requestFrame: fc.Arbitrary<RequestFrame> = fc.tuple(int32, clientRequest).map(([xid, request]) => ({ header: { xid, type: OpCode[request.op] }, request }));

const multiResult: fc.Arbitrary<MultiResult> = fc.oneof(
  fc.record({ op: fc.constant("create" as const), path }),
  fc.record({ op: fc.constant("create2" as const), path, stat }),
  fc.record({ op: fc.constant("setData" as const), stat }),
  fc.record({ op: fc.constantFrom("delete" as const, "check" as const) }),
  fc.record({ op: fc.constant("error" as const), err: int32 }),
);

/** A response with the op of the request it answers (what decodeReply needs to be told). */
export const numberedResponse: fc.Arbitrary<Exclude<ServerResponse, { op: "notification" }>> = fc.oneof(
  fc.record({ op: fc.constant("create" as const), path }),
  fc.record({ op: fc.constant("create2" as const), path, stat }),
  fc.record({ op: fc.constantFrom("setData" as const, "exists" as const), stat }),
  fc.record({ op: fc.constant("getData" as const), data: bytes, stat }),
  fc.record({ op: fc.constant("getChildren" as const), children: fc.array(text, { maxLength: 5 }) }),
  fc.record({ op: fc.constant("getChildren2" as const), children: fc.array(text, { maxLength: 5 }), stat }),
  fc.record({ op: fc.constant("sync" as const), path }),
  fc.record({ op: fc.constant("multi" as const), results: fc.array(multiResult, { maxLength: 5 }) }),
  fc.record({ op: fc.constantFrom("delete" as const, "check" as const, "closeSession" as const, "setWatches" as const, "auth" as const) }),
);

/** A reply to a numbered request (xid ≥ 0): either a body with err 0 or an error without one. */
export const numberedReply: fc.Arbitrary<ReplyFrame> = fc
  .tuple(fc.nat(), int64, numberedResponse, fc.option(fc.integer({ min: -127, max: -1 }), { nil: undefined }))
  .map(([xid, zxid, response, err]) => (err === undefined || response.op === "multi" ? { header: { xid, zxid, err: 0 }, response } : { header: { xid, zxid, err } }));

export const notificationReply: fc.Arbitrary<ReplyFrame> = fc
  .tuple(int64, int32, int32, path)
  .map(([zxid, type, state, eventPath]) => ({ header: { xid: Xid.notification, zxid, err: 0 }, response: { op: "notification", event: { type, state, path: eventPath } } }));

export const connectRequest: fc.Arbitrary<ConnectRequest> = fc
  .tuple(int32, int64, int32, int64, bytes, fc.option(fc.boolean(), { nil: undefined }))
  .map(([protocolVersion, lastZxidSeen, timeOutMs, sessionId, passwd, readOnly]) => {
    const request: ConnectRequest = { protocolVersion, lastZxidSeen, timeOutMs, sessionId, passwd };
    if (readOnly !== undefined) request.readOnly = readOnly;
    return request;
  });

export const connectResponse: fc.Arbitrary<ConnectResponse> = fc
  .tuple(int32, int32, int64, bytes, fc.option(fc.boolean(), { nil: undefined }))
  .map(([protocolVersion, timeOutMs, sessionId, passwd, readOnly]) => {
    const response: ConnectResponse = { protocolVersion, timeOutMs, sessionId, passwd };
    if (readOnly !== undefined) response.readOnly = readOnly;
    return response;
  });
