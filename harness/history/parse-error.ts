// The one error a history reader throws: `FILE:LINE: reason`, so an editor or terminal can jump
// to the bad line.

import type { Op } from "../op.ts";

export class HistoryParseError extends Error {
  constructor(
    readonly file: string,
    /** 1-based. */
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = "HistoryParseError";
  }
}

/** What every reader returns: the ops in file order and anything it had to forgive. */
export interface ParsedHistory {
  ops: Op[];
  warnings: string[];
}
