// The Stat record (org.apache.zookeeper.data.Stat): a znode's metadata, as replies carry it.
//   czxid mzxid ctime mtime : long      created / last modified by which zxid, at which leader time (ms)
//   version cversion aversion : int     changes to the data / the children / the ACL
//   ephemeralOwner : long               owning session for an ephemeral node, else 0
//   dataLength numChildren : int
//   pzxid : long                        last zxid that created or deleted a child

import type { JuteReader } from "./reader.ts";
import type { JuteWriter } from "./writer.ts";

export interface Stat {
  czxid: bigint;
  mzxid: bigint;
  ctime: bigint;
  mtime: bigint;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: bigint;
}

/** Six longs and five ints. */
export const STAT_BYTES = 6 * 8 + 5 * 4;

export function readStat(reader: JuteReader): Stat {
  return {
    czxid: reader.long("stat.czxid"),
    mzxid: reader.long("stat.mzxid"),
    ctime: reader.long("stat.ctime"),
    mtime: reader.long("stat.mtime"),
    version: reader.int("stat.version"),
    cversion: reader.int("stat.cversion"),
    aversion: reader.int("stat.aversion"),
    ephemeralOwner: reader.long("stat.ephemeralOwner"),
    dataLength: reader.int("stat.dataLength"),
    numChildren: reader.int("stat.numChildren"),
    pzxid: reader.long("stat.pzxid"),
  };
}

export function writeStat(writer: JuteWriter, stat: Stat): void {
  writer
    .long(stat.czxid)
    .long(stat.mzxid)
    .long(stat.ctime)
    .long(stat.mtime)
    .int(stat.version)
    .int(stat.cversion)
    .int(stat.aversion)
    .long(stat.ephemeralOwner)
    .int(stat.dataLength)
    .int(stat.numChildren)
    .long(stat.pzxid);
}
