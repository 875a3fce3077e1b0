// Elle's rw-register workload: transactions of [w k v] and [r k nil] over a small pool of integer
// keys with unique values per key, judged by the Elle checker. Registers reveal far less of the
// version order than lists, so the checker infers only what the history forces (see
// checkers/elle/rw-register.ts); this workload is for systems that cannot append.

import type { Generator } from "../harness/generator/generator.ts";
import { elleChecker, elleTxnGenerator, type ElleTxnOptions } from "./list-append.ts";
import type { Workload } from "./workload.ts";

export function rwRegisterGenerator(opts: ElleTxnOptions = {}): Generator {
  return elleTxnGenerator("w", opts);
}

export const rwRegisterWorkload: Workload = {
  name: "rw-register",
  description: "transactions writing unique values to registers and reading them, checked by Elle (strict serializability by default)",
  refutes: { kind: "transactional" },
  generator: (opts) => rwRegisterGenerator(opts as ElleTxnOptions),
  checker: (opts) => elleChecker("rw-register", opts),
};
