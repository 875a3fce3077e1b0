// One copy of each recurring token and vector while a history is read. A transactional history
// says the same small things millions of times: the keywords :append and :r, a micro-op
// [:append 3 7] in an invoke and again in its completion, a read [1 2 4 3] returned to every
// transaction that reads the key before the next append lands. Building each of them once and
// handing out that copy again leaves the garbage collector a fraction of the objects to trace,
// and the history a fraction of the memory (harness/history/read-*.ts; issue 9).
//
// Sharing is safe because ops are never mutated once recorded: a live run already gives a
// completion its invocation's value array (harness/interpreter/interpreter.ts).
//
// Both tables are direct-mapped caches, not sets: a slot holds the last value that hashed to it,
// so memory stays bounded whatever the history, and a value that was evicted is simply built again.

/** 2^16 slots: enough to keep a micro-op alive from its invoke to its completion across 50
 *  processes, a few hundred KB at most. */
const ARRAY_SLOTS = 1 << 16;
const STRING_SLOTS = 1 << 10;
/** Longer tokens are rare and too varied to be worth keeping. */
const STRING_MAX_LENGTH = 32;

/** Hashes for the scanners to combine: FNV-1a over bytes and over element hashes. */
export const HASH_START = 0x811c9dc5 | 0;
export const NULL_HASH = 0x2b5a1f3d;
export const TRUE_HASH = 0x5c9e2a71;
export const FALSE_HASH = 0x1f7d3b65;

export function mix(hash: number, part: number): number {
  return Math.imul(hash ^ part, 0x01000193);
}

export class ValuePool {
  private readonly arrays: (unknown[] | undefined)[] = new Array<unknown[] | undefined>(ARRAY_SLOTS).fill(undefined);
  private readonly arrayHashes = new Int32Array(ARRAY_SLOTS);
  private readonly strings: (string | undefined)[] = new Array<string | undefined>(STRING_SLOTS).fill(undefined);

  /** items[start, end) as an array: the same array as last time, when these very items (by ===)
   *  came with this hash. Elements must be primitives or arrays this pool returned, and -0 never
   *  (=== would take it for 0). */
  array(items: unknown[], start: number, end: number, hash: number): unknown[] {
    const slot = hash & (ARRAY_SLOTS - 1);
    const length = end - start;
    const known = this.arrays[slot];
    if (known !== undefined && this.arrayHashes[slot] === hash && known.length === length) {
      let i = 0;
      while (i < length && known[i] === items[start + i]) i++;
      if (i === length) return known;
    }
    const fresh = sequenceOf(items, start, end);
    this.arrays[slot] = fresh;
    this.arrayHashes[slot] = hash;
    return fresh;
  }

  /** The ASCII bytes [start, end) as a string, `hash` being their FNV-1a hash from HASH_START. */
  ascii(bytes: Uint8Array, start: number, end: number, hash: number): string {
    const length = end - start;
    if (length > STRING_MAX_LENGTH) return latin1(bytes, start, end);
    const slot = hash & (STRING_SLOTS - 1);
    const known = this.strings[slot];
    if (known !== undefined && known.length === length) {
      let i = 0;
      while (i < length && known.charCodeAt(i) === bytes[start + i]) i++;
      if (i === length) return known;
    }
    const fresh = latin1(bytes, start, end);
    this.strings[slot] = fresh;
    return fresh;
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (start === end) return "";
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString("latin1", start, end);
}

/** stack[start, end) as a new array, from an array literal: V8 tracks where literals are allocated
 *  and, seeing nearly all of them live on (a history is kept whole), allocates them straight in the
 *  old generation instead of copying each one out of the young one, as it must for a slice. Up to
 *  32 elements (reads of a list-append key, mostly) take a literal of the next size up, cut to
 *  length: V8 trims the spare slots off in place. That costs less than the copying (7% of the EDN
 *  reader's CPU time on the bench's 1M-transaction history). */
export function sequenceOf(stack: unknown[], start: number, end: number): unknown[] {
  const s = stack;
  const a = start;
  const n = end - start;
  let r: unknown[];
  switch (n) {
    case 0:
      return [];
    case 1:
      return [stack[start]];
    case 2:
      return [stack[start], stack[start + 1]];
    case 3:
      return [stack[start], stack[start + 1], stack[start + 2]];
    case 4:
      return [stack[start], stack[start + 1], stack[start + 2], stack[start + 3]];
    default:
      if (n <= 8) r = [s[a], s[a + 1], s[a + 2], s[a + 3], s[a + 4], s[a + 5], s[a + 6], s[a + 7]];
      else if (n <= 16) r = [s[a], s[a + 1], s[a + 2], s[a + 3], s[a + 4], s[a + 5], s[a + 6], s[a + 7], s[a + 8], s[a + 9], s[a + 10], s[a + 11], s[a + 12], s[a + 13], s[a + 14], s[a + 15]];
      else if (n <= 32) r = [s[a], s[a + 1], s[a + 2], s[a + 3], s[a + 4], s[a + 5], s[a + 6], s[a + 7], s[a + 8], s[a + 9], s[a + 10], s[a + 11], s[a + 12], s[a + 13], s[a + 14], s[a + 15], s[a + 16], s[a + 17], s[a + 18], s[a + 19], s[a + 20], s[a + 21], s[a + 22], s[a + 23], s[a + 24], s[a + 25], s[a + 26], s[a + 27], s[a + 28], s[a + 29], s[a + 30], s[a + 31]];
      else return stack.slice(start, end);
  }
  r.length = n;
  return r;
}
