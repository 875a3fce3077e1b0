import type { Validity } from "../../checkers/checker.ts";
import { EXIT } from "../errors.ts";

export function exitCodeFor(valid: Validity): number {
  return valid === true ? EXIT.valid : valid === false ? EXIT.invalid : EXIT.unknown;
}
