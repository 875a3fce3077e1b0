// RESP2 replies as data, and their wire encoding. Strings are "binary strings": one JS char per
// byte (latin1), so keys and values pass through byte for byte whatever their encoding.

export type Reply =
  | { kind: "simple"; text: string }
  /** `message` is the whole error line after "-", conventionally "CODE text" (ERR, WRONGTYPE, …). */
  | { kind: "error"; message: string }
  | { kind: "integer"; value: number }
  /** null is RESP's null bulk string ($-1). */
  | { kind: "bulk"; value: string | null }
  /** null is RESP's null array (*-1), e.g. EXEC aborted by WATCH. */
  | { kind: "array"; items: Reply[] | null };

export const OK: Reply = { kind: "simple", text: "OK" };
export const NULL_BULK: Reply = { kind: "bulk", value: null };

export const simple = (text: string): Reply => ({ kind: "simple", text });
export const errorReply = (message: string): Reply => ({ kind: "error", message });
export const integer = (value: number): Reply => ({ kind: "integer", value });
export const bulk = (value: string | null): Reply => ({ kind: "bulk", value });
export const array = (items: Reply[] | null): Reply => ({ kind: "array", items });

export function encodeReply(reply: Reply): Buffer {
  const parts: Buffer[] = [];
  encodeInto(reply, parts);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

function encodeInto(reply: Reply, parts: Buffer[]): void {
  switch (reply.kind) {
    case "simple":
      parts.push(Buffer.from(`+${singleLine(reply.text)}\r\n`, "latin1"));
      return;
    case "error":
      parts.push(Buffer.from(`-${singleLine(reply.message)}\r\n`, "latin1"));
      return;
    case "integer":
      if (!Number.isSafeInteger(reply.value)) throw new RangeError(`RESP integer reply ${reply.value} is not a safe integer`);
      parts.push(Buffer.from(`:${reply.value}\r\n`, "latin1"));
      return;
    case "bulk":
      if (reply.value === null) {
        parts.push(Buffer.from("$-1\r\n", "latin1"));
      } else {
        const body = Buffer.from(reply.value, "latin1");
        parts.push(Buffer.from(`$${body.length}\r\n`, "latin1"), body, Buffer.from("\r\n", "latin1"));
      }
      return;
    case "array":
      if (reply.items === null) {
        parts.push(Buffer.from("*-1\r\n", "latin1"));
        return;
      }
      parts.push(Buffer.from(`*${reply.items.length}\r\n`, "latin1"));
      for (const item of reply.items) encodeInto(item, parts);
      return;
  }
}

/** Simple strings and errors cannot carry CR or LF; a message that has them would end the line early. */
function singleLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}
