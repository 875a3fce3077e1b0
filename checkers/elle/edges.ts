// Dependency kinds between transactions. One bit each, so the graph keeps a single edge per
// (from, to) pair whose mask says every reason we know that `from` precedes `to`; a cycle search
// then chooses, per step, the reason that makes the anomaly most specific.

import { type Allocator, HEAP_ALLOCATOR } from "./arena.ts";

/** Write-write: `to` installed the version right after one `from` installed. */
export const WW = 1;
/** Write-read: `to` observed a version `from` installed. */
export const WR = 2;
/** Read-write (anti-dependency): `to` installed the version right after one `from` observed. */
export const RW = 4;
/** Same client process, `from` completed (ok) before `to`. */
export const PROCESS = 8;
/** `from` completed before `to` was invoked (real time). Also every edge touching a time node. */
export const REALTIME = 16;
/** ww / rw edges whose version order was inferred from process order (rw-register's
 *  sequential-keys inference): they hold only if each process sees keys change in order, which the
 *  strong-session models promise, so cycles through them are `-process` anomalies. */
export const WW_PROCESS = 32;
export const RW_PROCESS = 64;
/** Likewise inferred from real-time order (linearizable keys): cycles through them are `-realtime`. */
export const WW_REALTIME = 128;
export const RW_REALTIME = 256;

export const ANY_WW = WW | WW_PROCESS | WW_REALTIME;
export const ANY_RW = RW | RW_PROCESS | RW_REALTIME;
const DATA_KINDS = WW | WR | RW;
export const PROCESS_KINDS = PROCESS | WW_PROCESS | RW_PROCESS;
export const REALTIME_KINDS = REALTIME | WW_REALTIME | RW_REALTIME;

/** When one step of a cycle has several reasons, the first of these present is the one we show:
 *  plain data dependencies before process- or time-derived ones (the anomaly needs fewer
 *  assumptions), and ww/wr before rw (fewer anti-dependencies is the more specific anomaly). */
export const KIND_PREFERENCE: readonly number[] = [
  WW,
  WR,
  RW,
  WW_PROCESS,
  PROCESS,
  RW_PROCESS,
  WW_REALTIME,
  REALTIME,
  RW_REALTIME,
];

const KIND_NAMES: ReadonlyMap<number, string> = new Map([
  [WW, "ww"],
  [WR, "wr"],
  [RW, "rw"],
  [PROCESS, "process"],
  [REALTIME, "realtime"],
  [WW_PROCESS, "ww-process"],
  [RW_PROCESS, "rw-process"],
  [WW_REALTIME, "ww-realtime"],
  [RW_REALTIME, "rw-realtime"],
]);

export function kindName(kind: number): string {
  const name = KIND_NAMES.get(kind);
  if (name === undefined) throw new Error(`not a single dependency kind: ${kind}`);
  return name;
}

/** The single kind a step is shown as: the first of KIND_PREFERENCE within `mask`. */
export function preferredKind(mask: number): number {
  for (const kind of KIND_PREFERENCE) if ((mask & kind) !== 0) return kind;
  throw new Error(`empty dependency mask ${mask}`);
}

/** Edges as three parallel growable typed arrays: tens of millions of edges without one object
 *  per edge. Self-edges are dropped: a transaction never depends on itself. Callers size it from
 *  exact counts where they can: growing copies, and with an arena the old arrays stay allocated. */
export class EdgeBuffer {
  from: Int32Array;
  to: Int32Array;
  kind: Uint16Array;
  length = 0;

  constructor(
    initialCapacity = 1024,
    private readonly alloc: Allocator = HEAP_ALLOCATOR,
  ) {
    const capacity = Math.max(16, initialCapacity);
    this.from = alloc.int32(capacity);
    this.to = alloc.int32(capacity);
    this.kind = alloc.uint16(capacity);
  }

  /** Makes room for `more` edges beyond those held. */
  reserve(more: number): void {
    while (this.length + more > this.from.length) this.grow();
  }

  add(from: number, to: number, kind: number): void {
    if (from === to) return;
    if (this.length === this.from.length) this.grow();
    const i = this.length++;
    this.from[i] = from;
    this.to[i] = to;
    this.kind[i] = kind;
  }

  private grow(): void {
    const capacity = this.from.length * 2;
    const from = this.alloc.int32(capacity);
    from.set(this.from);
    const to = this.alloc.int32(capacity);
    to.set(this.to);
    const kind = this.alloc.uint16(capacity);
    kind.set(this.kind);
    this.from = from;
    this.to = to;
    this.kind = kind;
  }
}

/** A growable Int32Array, for the per-append and per-read records of the inference passes. */
export class IntVec {
  data: Int32Array;
  length = 0;

  constructor(
    initialCapacity = 1024,
    private readonly alloc: Allocator = HEAP_ALLOCATOR,
  ) {
    this.data = alloc.int32(Math.max(16, initialCapacity));
  }

  push(value: number): number {
    if (this.length === this.data.length) {
      const data = this.alloc.int32(this.data.length * 2);
      data.set(this.data);
      this.data = data;
    }
    this.data[this.length] = value;
    return this.length++;
  }
}
