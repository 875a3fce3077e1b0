// One thread's share of the partitions, searched in turns. Porcupine gives every partition its own
// goroutine, so the cheapest illegal partition decides the verdict however expensive the others
// are; a JavaScript thread gets the same effect by interleaving resumable searches (wgl.ts) in
// equal slices: the cheapest illegal partition is found after about (partitions × its cost)
// steps. Slices stay small: switching costs a few field copies, against a millisecond of search.

import { LinearizationSearch, type SearchModel, type SearchOperation, type SearchStatus } from "./wgl.ts";

/** A partition to search: its id in the caller's list and its ops. */
export interface PartitionJob<Input, Output> {
  id: number;
  operations: SearchOperation<Input, Output>[];
}

/** A decided partition (or one the memory cap stopped). */
export interface PartitionReport<State> {
  id: number;
  status: Exclude<SearchStatus, "timeout">;
  longest: number[];
  finalStates: State[];
  cacheEntries: number;
  iterations: number;
  /** See SearchOutcome.culprit. */
  culprit?: number;
}

/** Search steps per turn: about a millisecond for the models we ship, which is also the longest
 *  a thread goes without looking at its messages, the clock and the stop flag. */
const SLICE = 1 << 12;

interface Active<State, Input, Output> {
  id: number;
  search: LinearizationSearch<State, Input, Output>;
}

export class RoundRobin<State, Input, Output> {
  private readonly active: Active<State, Input, Output>[] = [];
  private turn = 0;
  /** Search steps taken on this thread, over every partition. */
  steps = 0;

  constructor(private readonly model: SearchModel<State, Input, Output>) {}

  get size(): number {
    return this.active.length;
  }

  /** Ids of the partitions still being searched. */
  ids(): number[] {
    return this.active.map(({ id }) => id);
  }

  /** Configurations memoized by the partitions still being searched. */
  cacheEntries(): number {
    return this.active.reduce((sum, { search }) => sum + search.cacheEntries, 0);
  }

  add(job: PartitionJob<Input, Output>): void {
    this.active.push({ id: job.id, search: new LinearizationSearch(this.model, job.operations) });
  }

  /** Gives the next partition in turn one slice; returns its report when that decided it. */
  step(): PartitionReport<State> | undefined {
    if (this.active.length === 0) return undefined;
    if (this.turn >= this.active.length) this.turn = 0;
    const current = this.active[this.turn];
    const before = current.search.iterations;
    const status = current.search.run(SLICE);
    this.steps += current.search.iterations - before;
    if (status === "running") {
      this.turn++;
      return undefined;
    }
    this.active.splice(this.turn, 1);
    const outcome = current.search.outcome(status);
    const report: PartitionReport<State> = {
      id: current.id,
      status,
      longest: outcome.longest,
      finalStates: outcome.finalStates,
      cacheEntries: outcome.cacheEntries,
      iterations: current.search.iterations,
    };
    if (outcome.culprit !== undefined) report.culprit = outcome.culprit;
    return report;
  }

  /** Drops one in every `parts` partitions, for a thread that just came up: partitions are
   *  kept in the order they were added (smallest first), so each share gets small and large
   *  ones alike. Returns their ids. */
  releaseShare(parts: number): number[] {
    const released: number[] = [];
    const kept: Active<State, Input, Output>[] = [];
    this.active.forEach((active, i) => (i % parts === parts - 1 ? released.push(active.id) : kept.push(active)));
    this.active.splice(0, this.active.length, ...kept);
    this.turn = 0;
    return released;
  }

  /** Drops the partition with the least search spent on it, so another thread can take it over
   *  (restarting it there wastes the least); returns its id. */
  release(): number | undefined {
    if (this.active.length === 0) return undefined;
    let least = 0;
    for (let i = 1; i < this.active.length; i++) {
      if (this.active[i].search.iterations < this.active[least].search.iterations) least = i;
    }
    const [released] = this.active.splice(least, 1);
    if (this.turn > least) this.turn--;
    return released.id;
  }
}
