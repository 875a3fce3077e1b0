// Dense integer ids for the keys of a history. Keys are almost always small non-negative integers
// (Elle's generators count them up from 0), so those are looked up in a typed array; anything else
// goes through a Map.

const SMALL_LIMIT = 1 << 24;

export class KeyIds {
  /** The key behind each id. */
  readonly names: unknown[] = [];
  private small = new Int32Array(1024);
  private readonly others = new Map<unknown, number>();

  get count(): number {
    return this.names.length;
  }

  /** The key's id, assigning the next one to a key not seen before. */
  intern(key: unknown): number {
    if (typeof key === "number" && (key | 0) === key && key >= 0 && key < SMALL_LIMIT) {
      if (key >= this.small.length) {
        let capacity = this.small.length * 2;
        while (capacity <= key) capacity *= 2;
        const wider = new Int32Array(capacity);
        wider.set(this.small);
        this.small = wider;
      }
      const stored = this.small[key];
      if (stored !== 0) return stored - 1;
      this.small[key] = this.names.length + 1;
      this.names.push(key);
      return this.names.length - 1;
    }
    let id = this.others.get(key);
    if (id === undefined) {
      id = this.names.length;
      this.others.set(key, id);
      this.names.push(key);
    }
    return id;
  }

  /** The key's id, or -1 for a key never interned. */
  lookup(key: unknown): number {
    if (typeof key === "number" && (key | 0) === key && key >= 0 && key < SMALL_LIMIT) {
      return key < this.small.length ? this.small[key] - 1 : -1;
    }
    return this.others.get(key) ?? -1;
  }
}
