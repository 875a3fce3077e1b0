// The shape of every run, as one generator (Jepsen's usual test layout):
//   main:     clients at --rate for --time, while the nemesis schedule starts and stops faults;
//   heal:     every fault kind's stop op, so nothing stays broken;
//   recover:  quiet time for the cluster to elect, catch up and restart;
//   final:    the workload's final reads, if it has any.
//
// The faults form lanes, one per stop op (stop-partition, start, resume: one lane per fault kind),
// each with its own schedule, all running at once — Jepsen's combined nemesis composes its fault
// packages with gen/any the same way. Faults of different kinds therefore overlap: a node stays
// cut off while the leader is killed, a partition heals while the leader is frozen. Those
// combinations are what expose election and durability bugs; one fault at a time, each healed
// before the next, lets a lagging node catch up before it could ever matter.
//
// Up to three kinds (the usual partition,kill,pause) run that way. With more — `--nemesis all` —
// partition, kill and pause still do, and the other kinds take turns on top of them, one at a
// time (harness/run/fault-turns.ts): every lane at once kept the cluster too busy failing to
// show much.

import type { GenResult, Generator } from "../generator/generator.ts";
import type { Rng } from "../rng.ts";
import * as gen from "../generator/index.ts";
import { FAULT_OPS, type FaultPair } from "../../nemeses/catalog.ts";
import { faultTurns, MAX_CONCURRENT_LANES, soloTurnsFit, standingKinds } from "./fault-turns.ts";
import type { Workload, WorkloadOptions } from "../../workloads/workload.ts";

export interface RunShape {
  workload: Workload;
  workloadOptions: WorkloadOptions;
  timeNs: number;
  /** Client ops per second, all processes together. */
  rate: number;
  faults: readonly FaultPair[];
  /** Healthy time before each fault of a lane starts; the fault then lasts its pair's
   *  durationShare of it (half by default). */
  nemesisIntervalNs: number;
  recoveryNs: number;
  /** Where the fault lanes draw which fault comes next and how long each wait is. Apart from the
   *  clients' draws, so that one --seed gives one fault schedule however the clients' ops
   *  interleave with it (without it the lanes draw from the run's shared stream, and the order in
   *  which ops complete decides what they get). */
  faultRng?: Rng;
  /** Hears each phase begin (main, heal, recovery, final reads), when its first part is first
   *  asked for an op — after the previous phase's ops have all completed. An observer only: it
   *  changes no op, and may hear a phase more than once (a generator can be asked again). */
  onPhase?(phase: RunShapePhase): void;
}

export type RunShapePhase = "main" | "heal" | "recovery" | "final reads";

/** Each lane's waits vary by ±50%, so lanes drift apart and faults overlap in ever new ways. */
const LANE_JITTER = 0.5;
/** How long a kind taking turns waits for its fault, as a share of the interval. */
const TURN_FIRST_WAIT = 0.1;
/** How long the heal that opens a staged turn may take (restarting killed nodes, adding a removed
 *  member back) before the staged fault is armed: it stays armed until the turn's end less this,
 *  so that the next turn's kind, which starts on time, finds it gone. */
const SOLO_HEAL_ALLOWANCE_NS = 3_000_000_000;
/** A fault's duration, as a share of the interval, when its pair does not say. */
const DEFAULT_DURATION_SHARE = 0.5;
/** Groups fault pairs by their stop op, keeping the catalog's order (and its repetitions, which
 *  weight the choice within a lane); with `separateSolo`, a kind's staged pairs (FaultPair.solo)
 *  form a lane of their own. */
export function faultLanes(faults: readonly FaultPair[], separateSolo = false): FaultPair[][] {
  const lanes = new Map<string, FaultPair[]>();
  for (const fault of faults) {
    const key = separateSolo && fault.solo === true ? `${fault.stop.f} solo` : fault.stop.f;
    const lane = lanes.get(key);
    if (lane) lane.push(fault);
    else lanes.set(key, [fault]);
  }
  return [...lanes.values()];
}

/** Emits nothing; tells `onPhase` that `phase` has begun each time it is asked. */
class PhaseMark implements Generator {
  constructor(
    private readonly phase: RunShapePhase,
    private readonly onPhase: (phase: RunShapePhase) => void,
  ) {}

  op(): GenResult {
    this.onPhase(this.phase);
    return { kind: "done" };
  }

  update(): Generator {
    return this;
  }
}

export function buildRunShape(shape: RunShape): Generator {
  const marked = (phase: RunShapePhase, part: Generator) => (shape.onPhase ? gen.concat(new PhaseMark(phase, shape.onPhase), part) : part);
  const clientLoad = gen.timeLimit(shape.timeNs, gen.clients(gen.stagger(gen.rateToIntervalNs(shape.rate), shape.workload.generator(shape.workloadOptions))));
  const parts: Generator[] = [];
  if (shape.faults.length === 0) {
    parts.push(marked("main", clientLoad));
  } else {
    // Each distinct stop op once: the final heal, and what clears the stage for a staged fault.
    const stops = new Map<string, FaultPair["stop"]>();
    for (const fault of shape.faults) stops.set(fault.stop.f, fault.stop);
    const healAll = () => gen.concat(...[...stops.values()].map((stop) => gen.once(stop)));
    const kindCount = new Set(shape.faults.map((fault) => fault.stop.f)).size;
    // Staged faults take turns of their own only where kinds take turns at all (fault-turns.ts).
    const soloTurns = kindCount > MAX_CONCURRENT_LANES && soloTurnsFit(shape.timeNs) && shape.faults.some((fault) => fault.solo === true);
    const kinds = faultLanes(shape.faults, soloTurns);
    // One duration per lane (the schedule has one); a lane's pairs come from one fault kind.
    const durationNs = (faults: FaultPair[]) => Math.round(shape.nemesisIntervalNs * (faults.find((fault) => fault.durationShare !== undefined)?.durationShare ?? DEFAULT_DURATION_SHARE));
    const lane = (faults: FaultPair[]) => gen.faultSchedule({ faults, intervalNs: shape.nemesisIntervalNs, faultDurationNs: durationNs(faults), jitter: LANE_JITTER, rng: shape.faultRng?.fork() });
    const names = kinds.map((faults) => FAULT_OPS.find((ops) => ops.stop === faults[0].stop.f)?.fault ?? faults[0].stop.f);
    const standing = standingKinds(names);
    const solo = soloTurns ? [...kinds.keys()].filter((kind) => kinds[kind][0].solo === true) : [];
    // The standing lanes draw their streams first, as when they are all there is: with one seed,
    // partition, kill and pause get the same schedule in `--nemesis all` as in the standard mix.
    const standingLanes = () => standing.map((kind) => lane(kinds[kind]));
    const firstStanding = standingLanes();
    const turns = faultTurns(names, shape.timeNs, shape.nemesisIntervalNs, names.length > MAX_CONCURRENT_LANES ? shape.faultRng?.fork() : undefined, solo);
    const firstWaitNs = Math.round(shape.nemesisIntervalNs * TURN_FIRST_WAIT);
    const lanes = [
      // Each turn: one fault of the kind a moment after the turn begins (after the previous kind's
      // stop, never tied with it), stopped its usual duration after the start completed. Not cut
      // off at the turn's end: when a slow nemesis op (a membership change waiting for a leader)
      // holds the nemesis past a whole turn, the kind still gets its fault, late; and a start the
      // system refused (no leader to take a membership change) is tried again an interval later.
      ...turns
        .filter((turn) => !solo.includes(turn.kind))
        .map((turn) => {
          const faults = kinds[turn.kind];
          return gen.concat(gen.sleep(turn.startNs), gen.faultSchedule({ faults, intervalNs: shape.nemesisIntervalNs, faultDurationNs: durationNs(faults), firstWaitNs, once: true, jitter: LANE_JITTER, rng: shape.faultRng?.fork() }));
        }),
    ];
    const soloWindows = turns.filter((turn) => solo.includes(turn.kind));
    if (soloWindows.length === 0) {
      lanes.unshift(...firstStanding);
    } else {
      // The standing kinds act between staged turns. A staged turn begins by healing every kind
      // (a late fault of the turn before included); then its fault, armed with no jitter until
      // the turn's end less the heal's allowance, while the standing kinds wait; then they go on.
      const acts: Generator[] = [];
      let atNs = 0;
      let fresh = firstStanding;
      for (const window of soloWindows) {
        if (window.startNs > atNs) acts.push(gen.timeLimit(window.startNs - atNs, gen.any(...fresh)), healAll());
        const faultDurationNs = Math.max(1, window.endNs - window.startNs - 2 * firstWaitNs - SOLO_HEAL_ALLOWANCE_NS);
        acts.push(gen.faultSchedule({ faults: kinds[window.kind], intervalNs: shape.nemesisIntervalNs, faultDurationNs, firstWaitNs, once: true, jitter: 0, rng: shape.faultRng?.fork() }));
        atNs = window.endNs;
        fresh = standingLanes();
      }
      if (atNs < shape.timeNs) acts.push(gen.any(...fresh));
      lanes.unshift(gen.concat(...acts));
    }
    parts.push(marked("main", gen.any(clientLoad, gen.nemesis(gen.timeLimit(shape.timeNs, gen.any(...lanes))))));
    // Whatever the schedule left running when time ran out.
    parts.push(marked("heal", gen.nemesis(healAll())));
  }
  if (shape.recoveryNs > 0) parts.push(marked("recovery", gen.sleep(shape.recoveryNs)));
  if (shape.workload.finalGenerator) parts.push(marked("final reads", gen.clients(shape.workload.finalGenerator(shape.workloadOptions))));
  return gen.phases(...parts);
}
