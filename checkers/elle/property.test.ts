// Histories from simulated stores whose isolation we know (simulate.ts), checked against what
// that isolation allows. A sound checker never reports an anomaly the store cannot produce; a
// useful one finds the anomalies the store does produce.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkElle } from "./elle.ts";
import { simulate, type SimulatedStore } from "../../test/support/elle-store-simulator.ts";

const WORKLOADS = ["list-append", "rw-register"] as const;
const RUNS = 100;

const scenario = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  txns: fc.integer({ min: 1, max: 60 }),
  processes: fc.integer({ min: 1, max: 8 }),
  keys: fc.integer({ min: 1, max: 4 }),
  maxTxnLength: fc.integer({ min: 1, max: 4 }),
  maxWritesPerKey: fc.integer({ min: 2, max: 12 }),
  failFraction: fc.constantFrom(0, 0.1),
  infoFraction: fc.constantFrom(0, 0.1),
});

/** Soundness over random scenarios: only anomalies the store can produce are ever reported. */
function explore(store: SimulatedStore, workload: (typeof WORKLOADS)[number], models: string[], allowed: ReadonlySet<string>): void {
  fc.assert(
    fc.property(scenario, (s) => {
      const history = simulate({ store, workload, ...s });
      const result = checkElle(history, { workload, consistencyModels: models });
      const unexpected = result.anomalyTypes.filter((type) => !allowed.has(type));
      expect(unexpected, JSON.stringify(result.anomalies[unexpected[0]]?.[0])).toEqual([]);
      // The only thing that may leave the verdict open here is a history too small to relate
      // any two transactions.
      if (result.valid !== true) expect(result).toMatchObject({ valid: "unknown", anomalyTypes: ["empty-transaction-graph"] });
    }),
    { numRuns: RUNS },
  );
}

/** Usefulness, deterministically: anomaly types found across fixed high-contention scenarios. */
function found(store: SimulatedStore, workload: (typeof WORKLOADS)[number], models: string[]): Set<string> {
  const seen = new Set<string>();
  for (let seed = 0; seed < 30; seed++) {
    const history = simulate({ store, workload, seed, txns: 60, processes: 6, keys: 2, maxTxnLength: 4, maxWritesPerKey: 10 });
    for (const type of checkElle(history, { workload, consistencyModels: models }).anomalyTypes) seen.add(type);
  }
  return seen;
}

const NOTHING = new Set(["empty-transaction-graph"]);

describe.each(WORKLOADS)("%s histories from simulated stores", (workload) => {
  it("a store applying each transaction atomically inside its invoke/complete window is strict-serializable", () => {
    explore("strict-serializable", workload, ["strict-serializable"], NOTHING);
  });

  it("a store serializing read-only transactions in the past is serializable", () => {
    explore("serializable", workload, ["serializable"], NOTHING);
  });

  it("a snapshot-isolation store shows write skew as G2-item and never anything weaker", () => {
    const skew = new Set(["G2-item", "G2-item-process", "G2-item-realtime"]);
    explore("snapshot-isolation", workload, ["strong-snapshot-isolation"], new Set([...NOTHING, ...skew]));
    expect(found("snapshot-isolation", workload, ["serializable"]).has("G2-item")).toBe(true);
  });

  it("a read-committed store shows G-single and G2 but never dirty reads or writes", () => {
    // Read committed allows read skew (G-single), lost updates, write skew, non-repeatable reads
    // (internal) and their process / real-time variants; it allows no G0 or G1.
    const allowed = new Set([...NOTHING, "internal", "lost-update"]);
    for (const family of ["G-single", "G-nonadjacent", "G2-item"]) for (const variant of ["", "-process", "-realtime"]) allowed.add(family + variant);
    explore("read-committed", workload, ["read-committed"], allowed);
    const seen = found("read-committed", workload, ["serializable"]);
    expect(seen.has("G-single")).toBe(true);
    expect(seen.has("G2-item")).toBe(true);
  });
});

describe("injected anomalies", () => {
  it("a strict store that serves stale reads is caught", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const history = simulate({ store: "strict-serializable", workload: "list-append", txns: 200, processes: 4, keys: 2, seed, staleReadEvery: 10 });
        const result = checkElle(history, { workload: "list-append" });
        expect(result.valid).toBe(false);
        expect(result.anomalyTypes.some((type) => type.startsWith("G-single") || type.startsWith("G2-item"))).toBe(true);
      }),
      { numRuns: 30 },
    );
  });
});
