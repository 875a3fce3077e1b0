// Recognizes an op's field names (index, time, type, …) from the bytes of a key, without making
// a string of it: the readers' fast paths see six to ten keys per op, millions of times.

import { HASH_START, mix } from "./value-pool.ts";

/** Slots in the table, a power of two well above the number of names so that probes are short. */
const SLOTS = 64;

export class FieldNames {
  private readonly names: Uint8Array[] = [];
  /** Name number + 1 per slot, 0 for an empty slot. */
  private readonly slots = new Int8Array(SLOTS);
  private readonly hashes = new Int32Array(SLOTS);

  constructor(names: readonly string[]) {
    names.forEach((name, id) => {
      const bytes = Buffer.from(name, "latin1");
      this.names.push(bytes);
      const hash = hashOf(bytes, 0, bytes.length);
      let slot = hash & (SLOTS - 1);
      while (this.slots[slot] !== 0) slot = (slot + 1) & (SLOTS - 1);
      this.slots[slot] = id + 1;
      this.hashes[slot] = hash;
    });
  }

  /** The number of the name spelled by bytes [start, end), whose hashOf is `hash`; -1 for none. */
  find(bytes: Uint8Array, start: number, end: number, hash: number): number {
    let slot = hash & (SLOTS - 1);
    for (;;) {
      const entry = this.slots[slot];
      if (entry === 0) return -1;
      if (this.hashes[slot] === hash) {
        const name = this.names[entry - 1];
        if (name.length === end - start) {
          let i = 0;
          while (i < name.length && name[i] === bytes[start + i]) i++;
          if (i === name.length) return entry - 1;
        }
      }
      slot = (slot + 1) & (SLOTS - 1);
    }
  }
}

/** FNV-1a of bytes [start, end), as the scanners compute it while they read. */
function hashOf(bytes: Uint8Array, start: number, end: number): number {
  let hash = HASH_START;
  for (let i = start; i < end; i++) hash = mix(hash, bytes[i]);
  return hash;
}
