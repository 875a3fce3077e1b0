// Jepsen's unique-ids: clients ask the system for ids (sequence numbers, Snowflake-style ids …);
// no two successful requests may get the same one. Checked by checkers/unique-ids.ts.
//
// Ops a client must implement:
//   {f: "generate", value: null}   ok with the new id (a number or a string).

import { uniqueIdsChecker } from "../checkers/unique-ids.ts";
import type { Generator, GenContext, GenResult } from "../harness/generator/generator.ts";
import type { Workload } from "./workload.ts";
import { pickFreeClient } from "./pick-client.ts";

class GenerateIds implements Generator {
  op(ctx: GenContext): GenResult {
    const process = pickFreeClient(ctx);
    if (process === undefined) return { kind: "pending", next: this };
    return { kind: "op", op: { process, timeNs: ctx.timeNs, f: "generate", value: null }, next: this };
  }

  update(): Generator {
    return this;
  }
}

export const uniqueIdsWorkload: Workload = {
  name: "unique-ids",
  description: "ask for ids from every client; no id may be handed out twice",
  refutes: { kind: "property", property: "no id handed out twice" },
  generator: () => new GenerateIds(),
  checker: () => uniqueIdsChecker(),
};
