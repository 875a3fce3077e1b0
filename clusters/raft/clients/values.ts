// The node stores strings; the workloads write numbers. How a stored string is reported back.

/** A stored number as the number it was written as; anything else as the text read, for the
 *  checker to flag — a client never hides what the system returned. */
export function storedValue(text: string): number | string {
  const value = Number(text);
  return text.trim() !== "" && Number.isFinite(value) ? value : text;
}

/** Values a client writes: numbers or strings, as the generators produce. */
export function writable(value: unknown): value is number | string {
  return (typeof value === "number" && Number.isFinite(value)) || typeof value === "string";
}

/** Keys name independent objects; generators use numbers, hand-written histories strings. */
export function isKey(key: unknown): key is number | string {
  return (typeof key === "number" && Number.isFinite(key)) || typeof key === "string";
}

/** A list reply (LRANGE) as the values it holds; anything else as it came, for the checker to flag. */
export function storedList(reply: unknown): unknown {
  if (!Array.isArray(reply)) return reply;
  return (reply as unknown[]).map((item) => (typeof item === "string" ? storedValue(item) : item));
}
