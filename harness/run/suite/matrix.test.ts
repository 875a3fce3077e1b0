import { describe, expect, it } from "vitest";
import { UsageError } from "../../errors.ts";
import { raftSystem } from "../../../clusters/raft/system.ts";
import { catalog, REGISTRY } from "../registry.ts";
import { expandMatrix, parseShard, shardOf, type Matrix } from "./matrix.ts";
import { parseSuite } from "./suite-file.ts";

const suite = (data: Record<string, unknown>) => parseSuite(data, "test-suite.yaml");

describe("suite file", () => {
  it("reads list keys, variants and scalar run settings", () => {
    const parsed = suite({ name: "s", time: 30, systems: ["raft", { system: "raft", bug: "stale-read", as: "raft-stale" }], workloads: ["register", "set"], nemeses: ["none", ["partition", "kill"]], seeds: [1, 2] });
    expect(parsed.systems.map((v) => v.label)).toEqual(["raft", "raft-stale"]);
    expect(parsed.systems[1].settings).toEqual({ bug: "stale-read" });
    expect(parsed.nemeses).toEqual(["none", "partition,kill"]);
    expect(parsed.settings).toEqual({ time: 30 });
  });

  it("defaults: name from the file, register, no faults, seed 1", () => {
    const parsed = suite({ systems: "raft" });
    expect(parsed).toMatchObject({ name: "test-suite", workloads: ["register"], nemeses: ["none"], seeds: [1] });
  });

  it.each([
    [{ workloads: ["register"] }, /no systems list/],
    [{ systems: ["raft", "raft"] }, /two systems entries are labelled "raft"/],
    [{ systems: ["raft"], time: [1, 2] }, /takes one value for every cell/],
    [{ systems: ["raft"], seed: 3 }, /varies per cell; list it under seeds/],
    [{ systems: ["raft"], seeds: [1, -2] }, /seeds must be whole numbers/],
    [{ systems: [{ bug: "x" }] }, /needs "system: <name>"/],
    [{ systems: ["raft"], workloads: [] }, /workloads is empty/],
    [{ systems: ["raft"], name: "a b" }, /may use only letters/],
  ])("refuses %j", (data, message) => {
    expect(() => suite(data)).toThrow(UsageError);
    expect(() => suite(data)).toThrow(message);
  });
});

describe("matrix", () => {
  it("is every variant × workload × nemesis × seed, each spec built like a run's", () => {
    const matrix = expandMatrix(suite({ name: "m", time: 3, nodes: 3, systems: ["raft", { system: "raft", bug: "stale-read", as: "raft-stale" }], workloads: ["register", "set"], nemeses: ["partition"], seeds: [1, 2] }), catalog());
    expect(matrix.total).toBe(8);
    expect(matrix.runnable.map((c) => c.id)).toEqual([
      "raft/register/partition/1",
      "raft/register/partition/2",
      "raft/set/partition/1",
      "raft/set/partition/2",
      "raft-stale/register/partition/1",
      "raft-stale/register/partition/2",
      "raft-stale/set/partition/1",
      "raft-stale/set/partition/2",
    ]);
    const stale = matrix.runnable[5].spec;
    expect(stale).toMatchObject({ name: "raft-stale-register-partition", system: "raft", bugs: ["stale-read"], seed: 2, timeS: 3, nodes: 3, nemesis: ["partition"] });
    expect(matrix.runnable[0].spec.bugs).toEqual([]);
  });

  it("skips what a system cannot run and says why; the rest still run", () => {
    // Systems of the test's own, shaped from raft's entry: one without a set client, one whose
    // peers a local partition cannot reach, one that runs on Docker only.
    const systems = {
      ...REGISTRY.systems,
      "no-set": { ...raftSystem, name: "no-set", clients: { register: raftSystem.clients.register } },
      "docker-partitions": { ...raftSystem, name: "docker-partitions", partitionsOn: ["docker" as const] },
      "docker-only": { ...raftSystem, name: "docker-only", runtimes: ["docker" as const] },
    };
    const matrix = expandMatrix(suite({ systems: ["raft", "no-set", "docker-partitions", "docker-only"], workloads: ["register", "set"], nemeses: ["partition"] }), catalog({ ...REGISTRY, systems }));
    expect(matrix.total).toBe(8);
    expect(matrix.runnable.map((c) => c.id)).toEqual(["raft/register/partition/1", "raft/set/partition/1", "no-set/register/partition/1"]);
    const reasons = Object.fromEntries(matrix.skipped.map((c) => [c.id, c.reason]));
    expect(reasons["no-set/set/partition/1"]).toMatch(/no-set has no client for the set workload/);
    expect(reasons["docker-partitions/register/partition/1"]).toMatch(/cannot be partitioned on the local runtime/);
    expect(reasons["docker-only/set/partition/1"]).toMatch(/does not run on the local runtime \(it runs on: docker\)/);
  });

  it("merges system options of the suite and the variant; the command line's store wins", () => {
    const matrix = expandMatrix(suite({ store: "/from-file", opt: { storage: "power-loss" }, systems: [{ system: "raft", opt: { electionTicks: 12 } }] }), catalog(), { store: "/from-flag" });
    expect(matrix.runnable[0].spec.store).toBe("/from-flag");
    expect(Object.keys(matrix.runnable[0].spec.options).sort()).toEqual(["electionTicks", "storage"]);
  });

  it("stops on a bad setting before anything runs, naming the cell", () => {
    expect(() => expandMatrix(suite({ systems: [{ system: "raft", bug: "no-such-bug" }] }), catalog())).toThrow(/cell raft\/register\/none\/1: unknown bug for raft "no-such-bug"/);
    expect(() => expandMatrix(suite({ systems: ["nosuch"] }), catalog())).toThrow(/unknown system in suite test-suite.yaml "nosuch"/);
  });
});

describe("shards", () => {
  it("parses i/n and refuses anything else", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    for (const bad of ["0/2", "3/2", "1/0", "a/b", "1", "1/2/3"]) expect(() => parseShard(bad)).toThrow(/must be i\/n/);
  });

  const fake = (runnable: number, skipped: number): Matrix => ({
    total: runnable + skipped,
    runnable: Array.from({ length: runnable }, (_, i) => ({ id: `r${i}` }) as Matrix["runnable"][number]),
    skipped: Array.from({ length: skipped }, (_, i) => ({ id: `s${i}`, reason: "x" }) as Matrix["skipped"][number]),
  });

  it("n shards are disjoint, cover every cell exactly once, and differ in size by at most one", () => {
    for (let runnable = 0; runnable <= 13; runnable++) {
      for (const skipped of [0, 3]) {
        const matrix = fake(runnable, skipped);
        for (let count = 1; count <= 6; count++) {
          const shards = Array.from({ length: count }, (_, i) => shardOf(matrix, { index: i + 1, count }));
          const ids = shards.flatMap((s) => [...s.runnable, ...s.skipped].map((c) => c.id));
          expect(ids.slice().sort()).toEqual([...matrix.runnable, ...matrix.skipped].map((c) => c.id).sort());
          const sizes = shards.map((s) => s.runnable.length);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it("is the same split every time for the same suite", () => {
    const data = { systems: ["raft", { system: "raft", bug: "stale-read", as: "b" }], workloads: ["register", "set", "counter"], seeds: [1, 2, 3] };
    const first = shardOf(expandMatrix(suite(data), catalog()), { index: 2, count: 3 }).runnable.map((c) => c.id);
    const second = shardOf(expandMatrix(suite(data), catalog()), { index: 2, count: 3 }).runnable.map((c) => c.id);
    expect(first).toEqual(second);
    expect(first.length).toBe(6);
  });
});
