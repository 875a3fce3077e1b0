// The response records that may also appear inside a multi's results (multi.ts), shared by
// responses.ts and multi.ts so that neither imports the other:
//   CreateResponse   path:ustring
//   Create2Response  path:ustring stat:Stat
//   SetDataResponse  stat:Stat
//   ErrorResponse    err:int                 (a failed op inside a multi)

import type { JuteReader } from "./reader.ts";
import { readStat, writeStat, type Stat } from "./stat.ts";
import type { JuteWriter } from "./writer.ts";

export interface CreateResponse {
  op: "create";
  path: string;
}

export interface Create2Response {
  op: "create2";
  path: string;
  stat: Stat;
}

export interface SetDataResponse {
  op: "setData";
  stat: Stat;
}

/** Ops whose successful response has no body. */
export interface EmptyResponse {
  op: "delete" | "check" | "ping" | "closeSession" | "setWatches" | "auth";
}

export function readCreateResponseBody(reader: JuteReader): CreateResponse {
  return { op: "create", path: reader.string("path") };
}

export function readCreate2ResponseBody(reader: JuteReader): Create2Response {
  return { op: "create2", path: reader.string("path"), stat: readStat(reader) };
}

export function readSetDataResponseBody(reader: JuteReader): SetDataResponse {
  return { op: "setData", stat: readStat(reader) };
}

export function writeRecordResponseBody(writer: JuteWriter, response: CreateResponse | Create2Response | SetDataResponse | EmptyResponse): void {
  switch (response.op) {
    case "create":
      writer.string(response.path);
      return;
    case "create2":
      writer.string(response.path);
      writeStat(writer, response.stat);
      return;
    case "setData":
      writeStat(writer, response.stat);
      return;
    default:
      return;
  }
}
