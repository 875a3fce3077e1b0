// multi: several writes applied all-or-nothing in one transaction.
//   request   (MultiHeader op)* MultiHeader(type -1, done true, err -1)
//   response  (MultiHeader result)* MultiHeader(type -1, done true, err -1)
//   MultiHeader  type:int done:boolean err:int
// Each request op is a MultiHeader with the op's code (done false, err -1) followed by its record
// (create, create2, delete, setData, check). Each result is a MultiHeader with the op's code and
// err 0 followed by its response record, or, when the multi failed, type -1 (OpCode.error) and
// the op's error code followed by ErrorResponse(err). ZooKeeper answers a failed multi with err 0
// in the ReplyHeader and every result an error: ok (0) for the ops before the one that failed,
// its code for it, runtimeInconsistency for those after.

import { JuteDecodeError } from "./errors.ts";
import { OpCode, opName } from "./op-codes.ts";
import type { JuteReader } from "./reader.ts";
import {
  readCheckBody,
  readCreateBody,
  readDeleteBody,
  readSetDataBody,
  writeRecordBody,
  type CheckVersionRequest,
  type CreateRequest,
  type DeleteRequest,
  type SetDataRequest,
} from "./request-records.ts";
import {
  readCreate2ResponseBody,
  readCreateResponseBody,
  readSetDataResponseBody,
  writeRecordResponseBody,
  type Create2Response,
  type CreateResponse,
  type SetDataResponse,
} from "./response-records.ts";
import type { JuteWriter } from "./writer.ts";

export type MultiOp = CreateRequest | DeleteRequest | SetDataRequest | CheckVersionRequest;

export interface MultiErrorResult {
  op: "error";
  err: number;
}

export type MultiResult = CreateResponse | Create2Response | SetDataResponse | { op: "delete" } | { op: "check" } | MultiErrorResult;

interface MultiHeader {
  type: number;
  done: boolean;
  err: number;
}

/** A MultiHeader is 9 bytes; no multi holds more ops than its payload has room for headers. */
const MULTI_HEADER_BYTES = 9;

function readMultiHeader(reader: JuteReader): MultiHeader {
  return { type: reader.int("multi.type"), done: reader.boolean("multi.done"), err: reader.int("multi.err") };
}

function writeMultiHeader(writer: JuteWriter, header: MultiHeader): void {
  writer.int(header.type).boolean(header.done).int(header.err);
}

const END: MultiHeader = { type: -1, done: true, err: -1 };

export function readMultiRequest(reader: JuteReader): MultiOp[] {
  const ops: MultiOp[] = [];
  for (;;) {
    const start = reader.position;
    const header = readMultiHeader(reader);
    if (header.done) return ops;
    // Each op consumes at least a header, so the loop ends within payload/9 rounds.
    const name = opName(header.type);
    switch (name) {
      case "create":
      case "create2":
        ops.push(readCreateBody(reader, name));
        break;
      case "delete":
        ops.push(readDeleteBody(reader));
        break;
      case "setData":
        ops.push(readSetDataBody(reader));
        break;
      case "check":
        ops.push(readCheckBody(reader));
        break;
      default:
        throw new JuteDecodeError(`op type ${header.type} is not allowed in a multi`, start);
    }
    if (reader.remaining < MULTI_HEADER_BYTES) throw new JuteDecodeError("multi request ends without its closing header", reader.position);
  }
}

export function writeMultiRequest(writer: JuteWriter, ops: readonly MultiOp[]): void {
  for (const op of ops) {
    writeMultiHeader(writer, { type: OpCode[op.op], done: false, err: -1 });
    writeRecordBody(writer, op);
  }
  writeMultiHeader(writer, END);
}

export function readMultiResponse(reader: JuteReader): MultiResult[] {
  const results: MultiResult[] = [];
  for (;;) {
    const start = reader.position;
    const header = readMultiHeader(reader);
    if (header.done) return results;
    const name = opName(header.type);
    switch (name) {
      case "create":
        results.push(readCreateResponseBody(reader));
        break;
      case "create2":
        results.push(readCreate2ResponseBody(reader));
        break;
      case "setData":
        results.push(readSetDataResponseBody(reader));
        break;
      case "delete":
      case "check":
        results.push({ op: name });
        break;
      case "error": {
        const err = reader.int("multi.error.err");
        results.push({ op: "error", err });
        break;
      }
      default:
        throw new JuteDecodeError(`result type ${header.type} is not allowed in a multi`, start);
    }
    if (reader.remaining < MULTI_HEADER_BYTES) throw new JuteDecodeError("multi response ends without its closing header", reader.position);
  }
}

export function writeMultiResponse(writer: JuteWriter, results: readonly MultiResult[]): void {
  for (const result of results) {
    if (result.op === "error") {
      writeMultiHeader(writer, { type: OpCode.error, done: false, err: result.err });
      writer.int(result.err);
      continue;
    }
    writeMultiHeader(writer, { type: OpCode[result.op], done: false, err: 0 });
    writeRecordResponseBody(writer, result);
  }
  writeMultiHeader(writer, END);
}
