// The search's memo of configurations already explored. A configuration is (ops with a known
// outcome linearized so far, indeterminate ops linearized so far, model state).
//
// Besides exact repeats it prunes *dominated* configurations: if (K, U', s) was visited and
// U' ⊆ U, then (K, U, s) can be skipped. Whatever completes (K, U, s) completes (K, U', s) too —
// the extra indeterminate ops in U \ U' may simply never have happened, and they change neither
// which ops must still be placed nor when. Since the search explores every configuration it
// records, no linearization is lost (see wgl.ts for the argument).
//
// Layout: an open-addressing hash table over typed arrays maps (K, s) to a group; a group keeps
// a chain of the U sets seen with it. Bitsets live side by side in pools, so recording a
// configuration allocates nothing but the occasional doubling.

export class VisitedConfigurations<State> {
  private slots: Int32Array;
  private mask: number;
  private groups = 0;
  private groupLows: Int32Array;
  private groupHighs: Int32Array;
  private groupFirstEntry: Int32Array;
  private groupKnown: Uint32Array;
  private groupStates: State[] = [];
  private entryNext: Int32Array;
  private entryUnknown: Uint32Array;
  /** Configurations recorded so far. */
  size = 0;

  constructor(
    /** 32-bit words holding the known-outcome ops, at the start of each bitset. */
    private readonly knownWords: number,
    /** 32-bit words holding the indeterminate ops, after the known ones. */
    private readonly unknownWords: number,
    private readonly equal: (a: State, b: State) => boolean,
    /** Expected configurations; an easy history visits about one per op. */
    expected: number,
  ) {
    const capacity = 2 ** Math.ceil(Math.log2(Math.max(64, expected)));
    this.slots = new Int32Array(capacity * 2);
    this.mask = capacity * 2 - 1;
    this.groupLows = new Int32Array(capacity);
    this.groupHighs = new Int32Array(capacity);
    this.groupFirstEntry = new Int32Array(capacity);
    this.groupKnown = new Uint32Array(capacity * knownWords);
    this.entryNext = new Int32Array(capacity);
    this.entryUnknown = new Uint32Array(capacity * unknownWords);
  }

  /** Records the configuration; returns false when it, or one that dominates it, was already
   *  recorded. `low` and `high` are two independent 32-bit hashes of (known ops, state). */
  add(bits: Uint32Array, state: State, low: number, high: number): boolean {
    const knownWords = this.knownWords;
    let slot = low & this.mask;
    for (;;) {
      const group = this.slots[slot] - 1;
      if (group < 0) break;
      if (this.groupLows[group] === low && this.groupHighs[group] === high && this.sameKnown(group, bits) && this.equal(this.groupStates[group], state)) {
        // Without indeterminate ops a group is one configuration, and this is it again.
        if (this.unknownWords === 0) return false;
        for (let entry = this.groupFirstEntry[group]; entry >= 0; entry = this.entryNext[entry]) {
          if (this.unknownSubset(entry, bits)) return false;
        }
        this.addEntry(group, bits);
        return true;
      }
      slot = (slot + 1) & this.mask;
    }
    const group = this.groups++;
    if (group === this.groupLows.length) this.growGroups();
    this.groupLows[group] = low;
    this.groupHighs[group] = high;
    this.groupFirstEntry[group] = -1;
    this.groupKnown.set(bits.subarray(0, knownWords), group * knownWords);
    this.groupStates.push(state);
    this.slots[slot] = group + 1;
    // Keep the table at most half full so probe runs stay short.
    if (this.groups * 2 > this.mask) this.rehash();
    if (this.unknownWords === 0) this.size++;
    else this.addEntry(group, bits);
    return true;
  }

  private sameKnown(group: number, bits: Uint32Array): boolean {
    const known = this.groupKnown;
    const base = group * this.knownWords;
    for (let w = 0; w < this.knownWords; w++) if (known[base + w] !== bits[w]) return false;
    return true;
  }

  /** Whether the entry's indeterminate ops are a subset of those in `bits`. */
  private unknownSubset(entry: number, bits: Uint32Array): boolean {
    const unknown = this.entryUnknown;
    const base = entry * this.unknownWords;
    const offset = this.knownWords;
    for (let w = 0; w < this.unknownWords; w++) if ((unknown[base + w] & ~bits[offset + w]) !== 0) return false;
    return true;
  }

  private addEntry(group: number, bits: Uint32Array): void {
    const entry = this.size++;
    if (entry === this.entryNext.length) this.growEntries();
    this.entryUnknown.set(bits.subarray(this.knownWords, this.knownWords + this.unknownWords), entry * this.unknownWords);
    this.entryNext[entry] = this.groupFirstEntry[group];
    this.groupFirstEntry[group] = entry;
  }

  private growGroups(): void {
    const capacity = this.groupLows.length * 2;
    this.groupLows = grown(this.groupLows, capacity);
    this.groupHighs = grown(this.groupHighs, capacity);
    this.groupFirstEntry = grown(this.groupFirstEntry, capacity);
    const known = new Uint32Array(capacity * this.knownWords);
    known.set(this.groupKnown);
    this.groupKnown = known;
  }

  private growEntries(): void {
    const capacity = this.entryNext.length * 2;
    this.entryNext = grown(this.entryNext, capacity);
    const unknown = new Uint32Array(capacity * this.unknownWords);
    unknown.set(this.entryUnknown);
    this.entryUnknown = unknown;
  }

  private rehash(): void {
    const slots: Int32Array = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let group = 0; group < this.groups; group++) {
      let slot = this.groupLows[group] & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = group + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

function grown(array: Int32Array, capacity: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(capacity);
  bigger.set(array);
  return bigger;
}
