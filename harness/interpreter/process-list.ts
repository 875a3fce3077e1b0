// The interpreter's process lists (free, all) in the order generators rely on: client processes
// ascending, then "nemesis". Lists are never mutated — generators may hold on to a context — so
// each edit makes a new array; lookups are binary searches, not scans.

import type { Process } from "../op.ts";

/** The position of `process` in `list`, or -1. */
export function indexOfProcess(list: readonly Process[], process: Process): number {
  if (list.length === 0) return -1;
  if (list[0] === process) return 0;
  if (process === "nemesis") return list[list.length - 1] === "nemesis" ? list.length - 1 : -1;
  let lo = 0;
  let hi = clientEnd(list) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = list[mid] as number;
    if (at === process) return mid;
    if (at < process) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export function insertProcess(list: readonly Process[], process: Process): readonly Process[] {
  let at: number;
  if (process === "nemesis") at = list.length;
  else {
    let lo = 0;
    let hi = clientEnd(list);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((list[mid] as number) < process) lo = mid + 1;
      else hi = mid;
    }
    at = lo;
  }
  const out = new Array<Process>(list.length + 1);
  for (let i = 0; i < at; i++) out[i] = list[i];
  out[at] = process;
  for (let i = at; i < list.length; i++) out[i + 1] = list[i];
  return out;
}

export function removeProcessAt(list: readonly Process[], index: number): readonly Process[] {
  const out = new Array<Process>(list.length - 1);
  for (let i = 0; i < index; i++) out[i] = list[i];
  for (let i = index + 1; i < list.length; i++) out[i - 1] = list[i];
  return out;
}

/** Where the client processes end: "nemesis", when present, is the last element. */
function clientEnd(list: readonly Process[]): number {
  return list.length > 0 && list[list.length - 1] === "nemesis" ? list.length - 1 : list.length;
}
