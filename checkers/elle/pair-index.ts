// An index from (key id, value) to an integer, for "which append/write put value v in key k".
// Values are almost always small integers (Elle's per-key counters), so those live in one
// open-addressing table of typed arrays — no per-key Map, no per-entry object, nothing for the
// garbage collector to trace. A key's slots start at a hash of the key and its values follow
// consecutively, so the values of one key (1, 2, 3, …) share cache lines: at a million
// transactions the table outgrows the cache and a random slot per pair would cost a miss each.
// Any other value (strings, floats, …) goes to a per-key Map, which compares like Map does
// (SameValueZero), as the integer path does for 0 and -0.

import { type Allocator, HEAP_ALLOCATOR } from "./arena.ts";

export class PairIndex {
  private keys: Int32Array;
  private values: Int32Array;
  private ids: Int32Array;
  private mask: number;
  private size = 0;
  private readonly others = new Map<number, Map<unknown, number>>();

  constructor(
    expected = 1024,
    private readonly alloc: Allocator = HEAP_ALLOCATOR,
  ) {
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    this.keys = alloc.int32(capacity);
    this.values = alloc.int32(capacity);
    this.ids = alloc.int32(capacity).fill(-1);
    this.mask = capacity - 1;
  }

  /** The id stored for (key, value), or -1. */
  get(key: number, value: unknown): number {
    if (typeof value === "number" && (value | 0) === value) {
      const { keys, values, ids, mask } = this;
      let slot = hash(key, value) & mask;
      for (;;) {
        const id = ids[slot];
        if (id === -1) return -1;
        if (keys[slot] === key && values[slot] === value) return id;
        slot = (slot + 1) & mask;
      }
    }
    return this.others.get(key)?.get(value) ?? -1;
  }

  /** Stores id for (key, value) unless the pair is present; returns the id already stored, or -1
   *  when it stored this one. */
  setIfAbsent(key: number, value: unknown, id: number): number {
    if (typeof value === "number" && (value | 0) === value) {
      if ((this.size + 1) * 2 > this.ids.length) this.grow();
      const { keys, values, ids, mask } = this;
      let slot = hash(key, value) & mask;
      for (;;) {
        const existing = ids[slot];
        if (existing === -1) break;
        if (keys[slot] === key && values[slot] === value) return existing;
        slot = (slot + 1) & mask;
      }
      keys[slot] = key;
      values[slot] = value;
      ids[slot] = id;
      this.size++;
      return -1;
    }
    let map = this.others.get(key);
    if (map === undefined) this.others.set(key, (map = new Map()));
    const existing = map.get(value);
    if (existing !== undefined) return existing;
    map.set(value, id);
    return -1;
  }

  /** Stores id for (key, value), replacing any id stored for it. */
  put(key: number, value: unknown, id: number): void {
    if (typeof value === "number" && (value | 0) === value) {
      const { keys, values, ids, mask } = this;
      let slot = hash(key, value) & mask;
      for (;;) {
        if (ids[slot] === -1) break;
        if (keys[slot] === key && values[slot] === value) {
          ids[slot] = id;
          return;
        }
        slot = (slot + 1) & mask;
      }
    }
    this.setIfAbsent(key, value, id);
    this.others.get(key)?.set(value, id);
  }

  private place(key: number, value: number, id: number): void {
    const { keys, values, ids, mask } = this;
    let slot = hash(key, value) & mask;
    while (ids[slot] !== -1) slot = (slot + 1) & mask;
    keys[slot] = key;
    values[slot] = value;
    ids[slot] = id;
  }

  private grow(): void {
    const { keys, values, ids } = this;
    const capacity = ids.length * 2;
    this.keys = this.alloc.int32(capacity);
    this.values = this.alloc.int32(capacity);
    this.ids = this.alloc.int32(capacity).fill(-1);
    this.mask = capacity - 1;
    for (let slot = 0; slot < ids.length; slot++) if (ids[slot] !== -1) this.place(keys[slot], values[slot], ids[slot]);
  }
}

function hash(key: number, value: number): number {
  let h = Math.imul(key, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return ((h ^ (h >>> 13)) + value) | 0;
}
