// The request records that may also appear inside a multi (multi.ts), shared by requests.ts and
// multi.ts so that neither imports the other. Layouts are listed in requests.ts.

import { readAclList, writeAclList, type Acl } from "./acl.ts";
import type { JuteReader } from "./reader.ts";
import type { JuteWriter } from "./writer.ts";

/** CreateMode flags (CreateMode.toFlag): bit 0 ephemeral, bit 1 sequential; 4..6 are containers and
 *  TTL nodes, which we do not serve. */
export const CreateFlags = {
  persistent: 0,
  ephemeral: 1,
  persistentSequential: 2,
  ephemeralSequential: 3,
  container: 4,
  persistentWithTtl: 5,
  persistentSequentialWithTtl: 6,
} as const;

export interface CreateRequest {
  op: "create" | "create2";
  path: string;
  data: Uint8Array;
  acl: Acl[];
  flags: number;
}

export interface DeleteRequest {
  op: "delete";
  path: string;
  version: number;
}

export interface SetDataRequest {
  op: "setData";
  path: string;
  data: Uint8Array;
  version: number;
}

export interface CheckVersionRequest {
  op: "check";
  path: string;
  version: number;
}

export function readCreateBody(reader: JuteReader, op: "create" | "create2"): CreateRequest {
  return { op, path: reader.string("path"), data: reader.buffer("data"), acl: readAclList(reader), flags: reader.int("flags") };
}

export function readDeleteBody(reader: JuteReader): DeleteRequest {
  return { op: "delete", path: reader.string("path"), version: reader.int("version") };
}

export function readSetDataBody(reader: JuteReader): SetDataRequest {
  return { op: "setData", path: reader.string("path"), data: reader.buffer("data"), version: reader.int("version") };
}

export function readCheckBody(reader: JuteReader): CheckVersionRequest {
  return { op: "check", path: reader.string("path"), version: reader.int("version") };
}

export function writeRecordBody(writer: JuteWriter, request: CreateRequest | DeleteRequest | SetDataRequest | CheckVersionRequest): void {
  switch (request.op) {
    case "create":
    case "create2":
      writer.string(request.path).buffer(request.data);
      writeAclList(writer, request.acl);
      writer.int(request.flags);
      return;
    case "delete":
    case "check":
      writer.string(request.path).int(request.version);
      return;
    case "setData":
      writer.string(request.path).buffer(request.data).int(request.version);
      return;
  }
}
