// Errors that map to the CLI's exit codes (DESIGN §5, Jepsen's): bad arguments exit 254; anything
// else that escapes the harness is a crash (255).

export const EXIT = {
  valid: 0,
  invalid: 1,
  unknown: 2,
  badArguments: 254,
  crashed: 255,
} as const;

/** The user asked for something that cannot be done as asked: one line, exit 254. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** "x" is not one of the choices: a one-line message listing what would have been valid. */
export function unknownChoice(what: string, given: string, valid: readonly string[]): UsageError {
  return new UsageError(`unknown ${what} "${given}"; valid: ${valid.join(", ")}`);
}
