import { describe, expect, it } from "vitest";
import { faultModes, faultKinds, scheduledFaults } from "../../nemeses/catalog.ts";
import { registerWorkload } from "../../workloads/register.ts";
import { simulate } from "../../test/support/simulated-interpreter.ts";
import type { Op } from "../op.ts";
import { buildRunShape } from "./run-shape.ts";
import { Rng } from "../rng.ts";

const S = 1_000_000_000;

/** A simulated run of `timeS` virtual seconds with a fault every second or so; the nemesis ops it
 *  invoked. */
async function nemesisInvokes(faults: ReturnType<typeof scheduledFaults>, timeS: number, seed: number, faultRng?: Rng): Promise<Op[]> {
  const generator = buildRunShape({
    workload: registerWorkload,
    workloadOptions: { keys: 2 },
    timeNs: timeS * S,
    rate: 5,
    faults,
    nemesisIntervalNs: S,
    recoveryNs: 0,
    faultRng,
  });
  const { history } = await simulate({ generator, concurrency: 2, seed, nemesis: true });
  return history.filter((op) => op.process === "nemesis" && op.type === "invoke");
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
});
