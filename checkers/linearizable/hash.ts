// 32-bit hashes for model states, used by the search's visited cache. They need to be fast and
// spread well; a collision only costs an equality check, never a wrong verdict.

/** FNV-1a's starting value. */
export const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a over UTF-16 code units. FNV-1a is a running hash: hashString(a + b) equals
 *  hashString(b, hashString(a)), which lets a growing string extend its hash. */
export function hashString(text: string, seed: number = FNV_OFFSET): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash | 0;
}

export function hashNumber(value: number): number {
  if (Number.isInteger(value) && Math.abs(value) <= 0x7fffffff) return Math.imul(value | 0, 0x9e3779b1) ^ 0x5bd1e995;
  return hashString(String(value));
}

/** Hash of a value a model stores after `canonicalValue` (null, boolean, number or string). */
export function hashValue(value: CanonicalValue): number {
  if (value === null) return 0x1b873593;
  if (typeof value === "number") return hashNumber(value);
  if (typeof value === "boolean") return value ? 0x2f0b3c61 : 0x4c7a1e37;
  return hashString(value);
}

/** Order-dependent combination, for sequences (queues). */
export function combineHashes(seed: number, next: number): number {
  return Math.imul(seed ^ next, 0x01000193) + 0x7f4a7c15;
}

/** Values models keep in their states: primitives compare with ===, which keeps equal() and the
 *  hot loop cheap. Structured values (a register holding [1 2]) are stored as their JSON text. */
export type CanonicalValue = null | boolean | number | string;

export function canonicalValue(value: unknown): CanonicalValue {
  if (value === undefined || value === null) return null;
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return value;
  return JSON.stringify(value);
}

/** How a canonical value reads in a description: nil for null, as Jepsen prints it. */
export function describeValue(value: CanonicalValue): string {
  if (value === null) return "nil";
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
