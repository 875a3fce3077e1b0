// A txn as the bytes of a ZAB proposal (Proposal.data): what the leader's server logs and sends,
// and every replica decodes and applies. The zxid is the proposal's own; the rest of the header
// travels here, so that every replica stamps the same session and time. Jute-encoded, with
// ZooKeeper's op codes naming the txn types:
//   format:int (1) sessionId:long timeMs:long txn
//   txn = type:int then by type
//     createSession (-10)  sessionId:long timeoutMs:int
//     closeSession  (-11)  sessionId:long
//     create (1), create2 (15)  path:ustring data:buffer acl:vector<ACL> ephemeralOwner:long
//                               parentCversion:int
//     delete (2)  path      setData (5)  path data version:int      check (13)  path
//     error (-1)  err:int   multi (14)   count:int, then count sub-txns (no multi among them)

import { readAclList, writeAclList } from "../jute/acl.ts";
import { JuteDecodeError } from "../jute/errors.ts";
import { OpCode } from "../jute/op-codes.ts";
import { JuteReader } from "../jute/reader.ts";
import { JuteWriter } from "../jute/writer.ts";
import type { MultiSubTxn, Txn, TxnHeader } from "./txn.ts";

const FORMAT = 1;
/** The smallest sub-txn: its type and one int. */
const SUB_TXN_MIN_BYTES = 8;

export interface EncodedTxn {
  header: Omit<TxnHeader, "zxid">;
  txn: Txn;
}

export function encodeTxn(header: Omit<TxnHeader, "zxid">, txn: Txn): Uint8Array {
  const writer = new JuteWriter(128).int(FORMAT).long(header.sessionId).long(BigInt(header.timeMs));
  writeTxn(writer, txn);
  return writer.finish();
}

/** Throws JuteDecodeError for anything but an encodeTxn result. */
export function decodeTxn(bytes: Uint8Array): EncodedTxn {
  const reader = new JuteReader(bytes);
  const format = reader.int("txn format");
  if (format !== FORMAT) throw new JuteDecodeError(`unknown txn format ${format}`, 0);
  const sessionId = reader.long("sessionId");
  const timeStart = reader.position;
  const time = reader.long("timeMs");
  if (time < 0n || time > BigInt(Number.MAX_SAFE_INTEGER)) throw new JuteDecodeError(`txn time ${time} is not a millisecond timestamp`, timeStart);
  const txn = readTxn(reader);
  reader.end("txn");
  return { header: { sessionId, timeMs: Number(time) }, txn };
}

function writeTxn(writer: JuteWriter, txn: Txn): void {
  switch (txn.type) {
    case "createSession":
      writer.int(OpCode.createSession).long(txn.sessionId).int(txn.timeoutMs);
      return;
    case "closeSession":
      writer.int(OpCode.closeSession).long(txn.sessionId);
      return;
    case "multi":
      writer.int(OpCode.multi).int(txn.txns.length);
      for (const sub of txn.txns) writeTxn(writer, sub);
      return;
    case "create":
      writer.int(OpCode[txn.op]).string(txn.path).buffer(txn.data);
      writeAclList(writer, txn.acl);
      writer.long(txn.ephemeralOwner).int(txn.parentCversion);
      return;
    case "delete":
      writer.int(OpCode.delete).string(txn.path);
      return;
    case "setData":
      writer.int(OpCode.setData).string(txn.path).buffer(txn.data).int(txn.version);
      return;
    case "check":
      writer.int(OpCode.check).string(txn.path);
      return;
    case "error":
      writer.int(OpCode.error).int(txn.err);
      return;
  }
}

/** Txn types that may not appear inside a multi. */
const TOP_LEVEL_ONLY: readonly number[] = [OpCode.createSession, OpCode.closeSession, OpCode.multi];

function readTxn(reader: JuteReader): Txn {
  const start = reader.position;
  const type = reader.int("txn type");
  switch (type) {
    case OpCode.createSession:
      return { type: "createSession", sessionId: reader.long("sessionId"), timeoutMs: reader.int("timeoutMs") };
    case OpCode.closeSession:
      return { type: "closeSession", sessionId: reader.long("sessionId") };
    case OpCode.multi:
      return readMulti(reader);
    default:
      return readSubTxn(reader, type, start);
  }
}

function readMulti(reader: JuteReader): Txn {
  const start = reader.position;
  const count = reader.int("multi count");
  if (count < 0 || count * SUB_TXN_MIN_BYTES > reader.remaining) throw new JuteDecodeError(`multi claims ${count} txns in ${reader.remaining} bytes`, start);
  const txns: MultiSubTxn[] = [];
  for (let i = 0; i < count; i++) {
    const subStart = reader.position;
    const type = reader.int("txn type");
    if (TOP_LEVEL_ONLY.includes(type)) throw new JuteDecodeError(`txn type ${type} inside a multi`, subStart);
    txns.push(readSubTxn(reader, type, subStart));
  }
  return { type: "multi", txns };
}

function readSubTxn(reader: JuteReader, type: number, start: number): MultiSubTxn {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
      return {
        type: "create",
        op: type === OpCode.create ? "create" : "create2",
        path: reader.string("path"),
        data: reader.buffer("data"),
        acl: readAclList(reader),
        ephemeralOwner: reader.long("ephemeralOwner"),
        parentCversion: reader.int("parentCversion"),
      };
    case OpCode.delete:
      return { type: "delete", path: reader.string("path") };
    case OpCode.setData:
      return { type: "setData", path: reader.string("path"), data: reader.buffer("data"), version: reader.int("version") };
    case OpCode.check:
      return { type: "check", path: reader.string("path") };
    case OpCode.error:
      return { type: "error", err: reader.int("err") };
    default:
      throw new JuteDecodeError(`unknown txn type ${type}`, start);
  }
}
