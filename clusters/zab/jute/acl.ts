// ACLs as the wire carries them: ACL = perms:int, Id = (scheme:ustring, id:ustring).
// Our ensemble stores ACLs and returns them but does not enforce them (no authentication), which
// the "world:anyone" ACLs every Faultline workload uses never notice.

import type { JuteReader } from "./reader.ts";
import type { JuteWriter } from "./writer.ts";

export const Perms = {
  read: 1,
  write: 2,
  create: 4,
  delete: 8,
  admin: 16,
  all: 31,
} as const;

export interface Id {
  scheme: string;
  id: string;
}

export interface Acl {
  perms: number;
  id: Id;
}

/** ZooDefs.Ids.OPEN_ACL_UNSAFE: anyone may do anything. */
export const OPEN_ACL_UNSAFE: readonly Acl[] = [{ perms: Perms.all, id: { scheme: "world", id: "anyone" } }];

/** perms, then two strings of at least their length field each. */
const ACL_MIN_BYTES = 4 + 4 + 4;

function readAcl(reader: JuteReader): Acl {
  const perms = reader.int("acl.perms");
  return { perms, id: { scheme: reader.string("acl.id.scheme"), id: reader.string("acl.id.id") } };
}

function writeAcl(writer: JuteWriter, acl: Acl): void {
  writer.int(acl.perms).string(acl.id.scheme).string(acl.id.id);
}

/** A null list reads as empty: either way a create without an ACL is refused (InvalidACL) after
 *  decoding, by the request's validation, as ZooKeeper does. */
export function readAclList(reader: JuteReader): Acl[] {
  return reader.vector("acl", ACL_MIN_BYTES, readAcl);
}

export function writeAclList(writer: JuteWriter, acls: readonly Acl[]): void {
  writer.vector(acls, writeAcl);
}
