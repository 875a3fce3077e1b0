// A directed link between two nodes and what is currently wrong with it. The proxy judges every
// frame by the link it travels on: a reply from `to` back to `from` on a connection `from` opened
// travels on link to→from, exactly as if `to` had dialled.

import { Rng } from "../../../harness/rng.ts";
import type { LinkFaults } from "../runtime.ts";

export interface Link {
  from: string;
  to: string;
}

/** The state of one directed link at one moment. */
export interface LinkConditions {
  /** Partitioned: every frame is dropped. */
  cut: boolean;
  faults: Readonly<LinkFaults>;
}

export const HEALTHY: LinkConditions = Object.freeze({ cut: false, faults: Object.freeze({}) });

export function linkKey(from: string, to: string): string {
  return `${from}->${to}`;
}

/** An independent random stream per link, so a link's fault decisions depend only on the seed and
 *  the frames on that link — not on how the scheduler interleaved traffic of other links. */
export function linkRng(seed: number, link: Link): Rng {
  // FNV-1a over the seed and the link's name.
  let hash = 0x811c9dc5;
  for (const char of `${seed}:${linkKey(link.from, link.to)}`) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return new Rng(hash);
}

/** Throws unless every field is a number in its range; names the bad field and the accepted range. */
export function validateLinkFaults(faults: LinkFaults): void {
  const fractions = ["dropFraction", "duplicateFraction", "reorderFraction"] as const;
  const durations = ["delayMs", "jitterMs"] as const;
  for (const name of fractions) {
    const value = faults[name];
    if (value !== undefined && !(typeof value === "number" && value >= 0 && value <= 1)) {
      throw new RangeError(`link faults: ${name} must be a fraction between 0 and 1, got ${String(value)}`);
    }
  }
  for (const name of durations) {
    const value = faults[name];
    if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`link faults: ${name} must be a non-negative number of milliseconds, got ${String(value)}`);
    }
  }
}
