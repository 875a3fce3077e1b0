import { describe, expect, test } from "vitest";
import { OPEN_ACL_UNSAFE, Perms, readAclList, writeAclList } from "./acl.ts";
import { JuteDecodeError } from "./errors.ts";
import { JuteReader } from "./reader.ts";
import { JuteWriter } from "./writer.ts";

describe("ACL lists", () => {
  test("world:anyone with every permission, as clients send it", () => {
    const writer = new JuteWriter();
    writeAclList(writer, OPEN_ACL_UNSAFE);
    const bytes = writer.finish();
    // count 1, perms 31, "world", "anyone"
    expect([...bytes]).toEqual([0, 0, 0, 1, 0, 0, 0, 31, 0, 0, 0, 5, ...Buffer.from("world"), 0, 0, 0, 6, ...Buffer.from("anyone")]);
    expect(readAclList(new JuteReader(bytes))).toEqual([{ perms: Perms.all, id: { scheme: "world", id: "anyone" } }]);
  });

  test("a null list reads as empty; a count beyond the bytes is refused", () => {
    expect(readAclList(new JuteReader(new Uint8Array([0xff, 0xff, 0xff, 0xff])))).toEqual([]);
    expect(() => readAclList(new JuteReader(new Uint8Array([0, 0, 0, 2, 0, 0, 0, 31, 0, 0, 0, 0, 0, 0, 0, 0])))).toThrow(JuteDecodeError);
  });
});
