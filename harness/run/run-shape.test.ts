import { describe, expect, it } from "vitest";
import { FAULT_OPS, faultModes, faultKinds, scheduledFaults } from "../../nemeses/catalog.ts";
import { registerWorkload } from "../../workloads/register.ts";
import { simulate } from "../../test/support/simulated-interpreter.ts";
import type { Op } from "../op.ts";
import { buildRunShape } from "./run-shape.ts";
import { MAX_CONCURRENT_LANES, STANDING_KINDS } from "./fault-turns.ts";
import { Rng } from "../rng.ts";

const S = 1_000_000_000;

/** A simulated run of `timeS` virtual seconds with a fault every second or so; the nemesis ops it
 *  invoked. */
async function nemesisInvokes(faults: ReturnType<typeof scheduledFaults>, timeS: number, seed: number, faultRng?: Rng, intervalS = 1, nemesisLatencyNs: number | ((f: string) => number) = 1_000_000): Promise<Op[]> {
  const generator = buildRunShape({
    workload: registerWorkload,
    workloadOptions: { keys: 2 },
    timeNs: timeS * S,
    rate: 5,
    faults,
    nemesisIntervalNs: intervalS * S,
    recoveryNs: 0,
    faultRng,
  });
  const { history } = await simulate({ generator, concurrency: 2, seed, nemesis: (op) => ({ completion: { type: "ok" }, latencyNs: typeof nemesisLatencyNs === "number" ? nemesisLatencyNs : nemesisLatencyNs(op.f) }) });
  return history.filter((op) => op.process === "nemesis" && op.type === "invoke");
}

/** The most fault kinds in force at once during the main phase (each from its start op to its
 *  next stop op), and the kinds that were started at all. */
function kindsInForce(ops: readonly Op[], mainEndNs: number, among: (kind: string) => boolean = () => true): { most: number; started: Set<string> } {
  const inForce = new Set<string>();
  const started = new Set<string>();
  let most = 0;
  for (const op of ops) {
    if (op.time >= mainEndNs) break;
    const start = FAULT_OPS.find((kind) => kind.start === op.f && among(kind.fault));
    const stop = FAULT_OPS.find((kind) => kind.stop === op.f && among(kind.fault));
    if (start) {
      inForce.add(start.fault);
      started.add(start.fault);
    } else if (stop) inForce.delete(stop.fault);
    most = Math.max(most, inForce.size);
  }
  return { most, started };
}

const startsOf = (ops: readonly Op[], f: string) => ops.filter((op) => op.f === f).map((op) => String(op.value));

describe("the run's fault schedule", () => {
  it("draws only the modes chosen for a restricted kind, and every mode of a kind left whole", async () => {
    const faults = scheduledFaults(["partition", "kill"], { partition: ["isolate-leader"] });
    for (const seed of [1, 2, 3]) {
      const ops = await nemesisInvokes(faults, 120, seed);
      const partitions = startsOf(ops, "start-partition");
      expect(partitions.length).toBeGreaterThan(10);
      expect(new Set(partitions)).toEqual(new Set(["isolate-leader"]));
      // The kill lane is untouched: over a couple of minutes it draws all of its targets.
      expect(new Set(startsOf(ops, "kill"))).toEqual(new Set(faultModes(faultKinds.kill)));
      // Heal at the end stops both lanes, restricted or not.
      expect(ops.slice(-2).map((op) => op.f).sort()).toEqual(["start", "stop-partition"]);
    }
  });

  it("with several modes chosen, draws each of them and nothing else", async () => {
    const ops = await nemesisInvokes(scheduledFaults(["partition"], { partition: ["isolate-leader", "random-halves"] }), 120, 7);
    expect(new Set(startsOf(ops, "start-partition"))).toEqual(new Set(["isolate-leader", "random-halves"]));
    expect(new Set(ops.map((op) => op.f))).toEqual(new Set(["start-partition", "stop-partition"]));
  });

  it("unrestricted, draws every partition mode as before", async () => {
    const ops = await nemesisInvokes(scheduledFaults(["partition"], {}), 120, 7);
    expect(new Set(startsOf(ops, "start-partition"))).toEqual(new Set(faultModes(faultKinds.partition)));
  });

  it("with its own random stream, draws the same faults however the clients' ops go", async () => {
    // The simulation's seed sets the clients' latencies and draws; the fault stream stays put.
    const faults = scheduledFaults(["partition", "kill", "pause"], {});
    const drawn = async (clientSeed: number) => (await nemesisInvokes(faults, 60, clientSeed, new Rng(42))).map((op) => `${op.f} ${JSON.stringify(op.value)}`);
    const first = await drawn(1);
    expect(first.length).toBeGreaterThan(20);
    expect(await drawn(2)).toEqual(first);
    expect(await drawn(3)).toEqual(first);
    const other = (await nemesisInvokes(faults, 60, 1, new Rng(43))).map((op) => `${op.f} ${JSON.stringify(op.value)}`);
    expect(other).not.toEqual(first);
  });

  describe(`with more than ${MAX_CONCURRENT_LANES} kinds (--nemesis all)`, () => {
    const ALL = Object.keys(faultKinds);

    it("in a simulated 30 s run, starts every kind, keeps partition, kill and pause going, and has at most four kinds in force at once", async () => {
      for (const seed of [1, 2, 3]) {
        // Nemesis ops of 300 ms, as a kill and restart or a membership change takes a while.
        const ops = await nemesisInvokes(scheduledFaults(ALL, {}), 30, seed, new Rng(seed), 2, 300_000_000);
        const { most, started } = kindsInForce(ops, 30 * S);
        expect(started, `seed ${seed}`).toEqual(new Set(ALL));
        expect(most, `seed ${seed}`).toBeLessThanOrEqual(4);
        // Of the kinds beyond the standard mix, one at a time.
        expect(kindsInForce(ops, 30 * S, (kind) => !STANDING_KINDS.includes(kind)).most, `seed ${seed}`).toBe(1);
        // The standard mix stands all run: each of its kinds starts in every third of it.
        for (const third of [0, 1, 2]) {
          const within = ops.filter((op) => op.time >= third * 10 * S && op.time < (third + 1) * 10 * S).map((op) => op.f);
          for (const f of ["start-partition", "kill", "pause"]) expect(within, `seed ${seed}, ${f} in third ${third}`).toContain(f);
        }
        // The heal at the end still stops every kind.
        expect(new Set(ops.slice(-ALL.length).map((op) => op.f))).toEqual(new Set(FAULT_OPS.map((kind) => kind.stop)));
      }
    });

    it("gives every kind its fault even when a slow nemesis op holds the nemesis past a whole turn", async () => {
      // A membership change that waits 14 s for a leader: longer than two 6 s turns.
      for (const seed of [1, 2, 3, 4]) {
        const ops = await nemesisInvokes(scheduledFaults(ALL, {}), 30, seed, new Rng(seed), 2, (f) => (f === "remove-member" ? 14 * S : 300_000_000));
        expect(kindsInForce(ops, 30 * S).started, `seed ${seed}`).toEqual(new Set(ALL));
      }
    });

    it("tries a turn's fault again when the system refused it, so that the kind takes effect", async () => {
      const generator = buildRunShape({ workload: registerWorkload, workloadOptions: { keys: 2 }, timeNs: 30 * S, rate: 5, faults: scheduledFaults(ALL, {}), nemesisIntervalNs: 2 * S, recoveryNs: 0, faultRng: new Rng(1) });
      let removes = 0;
      // The first membership change finds no leader.
      const { history } = await simulate({ generator, concurrency: 2, nemesis: (op) => ({ completion: { type: op.f === "remove-member" && removes++ === 0 ? "fail" : "ok" }, latencyNs: 300_000_000 }) });
      const removals = history.filter((op) => op.process === "nemesis" && op.f === "remove-member" && op.type !== "invoke").map((op) => op.type);
      expect(removals).toEqual(["fail", "ok"]);
    });

    it("draws the same fault schedule for a seed however the clients' ops go", async () => {
      const drawn = async (clientSeed: number) => (await nemesisInvokes(scheduledFaults(ALL, {}), 30, clientSeed, new Rng(42), 2)).map((op) => `${op.f} ${JSON.stringify(op.value)}`);
      const first = await drawn(1);
      expect(first.length).toBeGreaterThan(20);
      expect(await drawn(2)).toEqual(first);
      expect(await drawn(3)).toEqual(first);
      const other = (await nemesisInvokes(scheduledFaults(ALL, {}), 30, 1, new Rng(43), 2)).map((op) => `${op.f} ${JSON.stringify(op.value)}`);
      expect(other).not.toEqual(first);
    });

    it("keeps, for a seed, the schedule partition, kill and pause have without the other kinds", async () => {
      const standard = (ops: readonly Op[]) => ops.filter((op) => ["start-partition", "stop-partition", "kill", "start", "pause", "resume"].includes(op.f)).map((op) => `${op.f} ${JSON.stringify(op.value)}`);
      // Starts only: the other kinds' ops delay the standard mix's stops by a nemesis op or so.
      const starts = (ops: readonly Op[]) => standard(ops).filter((line) => !/^(stop-partition|start|resume) /.test(line));
      const alone = await nemesisInvokes(scheduledFaults(["partition", "kill", "pause"], {}), 30, 1, new Rng(5), 2);
      const withAll = await nemesisInvokes(scheduledFaults(ALL, {}), 30, 1, new Rng(5), 2);
      expect(starts(alone).length).toBeGreaterThan(10);
      expect(starts(withAll).slice(0, 10)).toEqual(starts(alone).slice(0, 10));
    });

    it("in a run of 60 s or more, gives a staged fault (reactive figure-8) turns to itself: every kind healed as it begins, none started while it is armed", async () => {
      for (const seed of [1, 2, 3]) {
        const ops = await nemesisInvokes(scheduledFaults(ALL, {}), 60, seed, new Rng(seed), 2, 200_000_000);
        const staged = ops.filter((op) => op.f === "react" && op.value === "figure-8");
        expect(staged.length, `seed ${seed}`).toBeGreaterThanOrEqual(1);
        for (const start of staged) {
          const stop = ops.find((op) => op.f === "stop-react" && op.time > start.time)!;
          expect(stop.time - start.time, `seed ${seed}: armed most of the turn`).toBeGreaterThan(11 * S);
          // Nothing else starts while it is armed, and every kind's stop came just before it.
          const during = ops.filter((op) => op.time > start.time && op.time < stop.time);
          expect(during.filter((op) => FAULT_OPS.some((kind) => kind.start === op.f)), `seed ${seed}`).toEqual([]);
          const before = ops.slice(0, ops.indexOf(start)).slice(-FAULT_OPS.length).map((op) => op.f);
          expect(new Set(before), `seed ${seed}`).toEqual(new Set(FAULT_OPS.map((kind) => kind.stop)));
        }
        // The other reactive modes keep their own turns; the standard mix acts outside the staged turn.
        expect(ops.some((op) => op.f === "react" && op.value !== "figure-8")).toBe(true);
        expect(ops.filter((op) => op.f === "kill").length).toBeGreaterThan(5);
      }
    });

    it("in a 30 s run, keeps figure-8 among the reactive modes of the usual turn", async () => {
      const draws = new Set<string>();
      for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
        const ops = await nemesisInvokes(scheduledFaults(ALL, {}), 30, seed, new Rng(seed), 2, 300_000_000);
        for (const op of ops) if (op.f === "react") draws.add(String(op.value));
        // No stretch of 13 s without a partition, kill or pause starting.
        const standing = ops.filter((op) => ["start-partition", "kill", "pause"].includes(op.f)).map((op) => op.time);
        for (let i = 1; i < standing.length; i++) expect(standing[i] - standing[i - 1], `seed ${seed}`).toBeLessThan(13 * S);
      }
      expect(draws.size).toBeGreaterThan(1);
    });

    it(`up to ${MAX_CONCURRENT_LANES} kinds, every lane runs all the time: three kinds are in force at once`, async () => {
      const ops = await nemesisInvokes(scheduledFaults(["partition", "kill", "pause"], {}), 120, 1, new Rng(1), 1, 300_000_000);
      expect(kindsInForce(ops, 120 * S).most).toBe(3);
    });
  });
});
