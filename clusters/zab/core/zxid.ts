// ZooKeeper transaction ids: zxid = epoch << 32 | counter (SEEDS §3). The epoch (high 32 bits)
// names the leader that proposed the transaction; the counter (low 32 bits) orders its proposals
// and restarts at 0 with every new epoch, so comparing zxids orders transactions first by epoch.
//
// Decision: a zxid is a bigint. A JS number holds only 53 bits exactly, and the epoch alone may
// use 32. A bigint compares with < and ===, sorts, serves as a Map key, and is what jute's `long`
// decodes to (clusters/zab/jute), so the same value travels from the core to the client wire
// without conversion. Epochs and counters on their own are numbers (each fits 32 bits).

import { assert } from "../../consensus/assert.ts";

export type Zxid = bigint;

const COUNTER_BITS = 32n;
const COUNTER_MASK = 0xffff_ffffn;
/** Largest epoch or counter (unsigned 32 bits). ZooKeeper's epoch is a signed int in its files but
 *  never negative; ours stays within the unsigned range so that zxids stay non-negative. */
export const MAX_EPOCH = 0xffff_ffff;
export const MAX_COUNTER = 0xffff_ffff;

export function makeZxid(epoch: number, counter: number): Zxid {
  assert(Number.isInteger(epoch) && epoch >= 0 && epoch <= MAX_EPOCH, () => `epoch ${epoch} out of range`);
  assert(Number.isInteger(counter) && counter >= 0 && counter <= MAX_COUNTER, () => `counter ${counter} out of range`);
  return (BigInt(epoch) << COUNTER_BITS) | BigInt(counter);
}

export function epochOf(zxid: Zxid): number {
  assert(zxid >= 0n, () => `negative zxid ${zxid}`);
  return Number(zxid >> COUNTER_BITS);
}

export function counterOf(zxid: Zxid): number {
  assert(zxid >= 0n, () => `negative zxid ${zxid}`);
  return Number(zxid & COUNTER_MASK);
}

/** "epoch:counter", the readable form used in traces and scenario scripts (1:3 is 0x100000003). */
export function formatZxid(zxid: Zxid): string {
  return `${epochOf(zxid)}:${counterOf(zxid)}`;
}

/** Parses formatZxid's output. */
export function parseZxid(text: string): Zxid {
  const match = /^(\d+):(\d+)$/.exec(text);
  if (match === null) throw new Error(`not a zxid "epoch:counter": ${text}`);
  return makeZxid(Number(match[1]), Number(match[2]));
}
