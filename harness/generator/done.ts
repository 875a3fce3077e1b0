// The exhausted generator: what a one-shot becomes after its op, and an empty sequence.

import type { GenResult, Generator } from "./generator.ts";

class Done implements Generator {
  op(): GenResult {
    return { kind: "done" };
  }

  update(): Generator {
    return this;
  }
}

export const DONE: Generator = new Done();
