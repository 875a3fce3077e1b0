// TigerBeetle-style assertions: an invariant that does not hold stops the node loudly instead of
// letting it continue wrong. Thrown as AssertionError so tests and shells can tell them apart.

export class AssertionError extends Error {
  override name = "AssertionError";
}

export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new AssertionError(typeof message === "function" ? message() : message);
}
