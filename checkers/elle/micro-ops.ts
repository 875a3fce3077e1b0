// Micro-operation names as histories spell them: Jepsen's keywords arrive as "append", "r", "w"
// from our readers, or with the leading colon when a history was written by hand.

/** One micro-operation as a history holds it: [f, key, value]. */
export type Mop = readonly unknown[];

export const READ = 0;
export const APPEND = 1;
export const WRITE = 2;
export const UNKNOWN = -1;

export function microOpKind(f: unknown): number {
  switch (f) {
    case "r":
    case ":r":
    case "read":
      return READ;
    case "append":
    case ":append":
      return APPEND;
    case "w":
    case ":w":
    case "write":
      return WRITE;
    default:
      return UNKNOWN;
  }
}

/** How evidence prints a key or value: numbers and plain strings bare, anything else as JSON. */
export function show(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "string") return /^[\w.-]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}
