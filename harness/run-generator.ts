// The shape of every run, as one generator (Jepsen's usual test layout):
//   main:     clients at --rate for --time, while the nemesis schedule starts and stops faults;
//   heal:     every fault kind's stop op, so nothing stays broken;
//   recover:  quiet time for the cluster to elect, catch up and restart;
//   final:    the workload's final reads, if it has any.

import type { Generator } from "./generator/generator.ts";
import * as gen from "./generator/index.ts";
import type { FaultPair } from "../nemeses/catalog.ts";
import type { Workload, WorkloadOptions } from "../workloads/workload.ts";

export interface RunShape {
  workload: Workload;
  workloadOptions: WorkloadOptions;
  timeNs: number;
  /** Client ops per second, all processes together. */
  rate: number;
  faults: readonly FaultPair[];
  nemesisIntervalNs: number;
  recoveryNs: number;
}

export function buildRunGenerator(shape: RunShape): Generator {
  const clientLoad = gen.timeLimit(shape.timeNs, gen.clients(gen.stagger(gen.rateToIntervalNs(shape.rate), shape.workload.generator(shape.workloadOptions))));
  const parts: Generator[] = [];
  if (shape.faults.length === 0) {
    parts.push(clientLoad);
  } else {
    const schedule = gen.faultSchedule({ faults: shape.faults, intervalNs: shape.nemesisIntervalNs, jitter: 0.3 });
    parts.push(gen.any(clientLoad, gen.nemesis(gen.timeLimit(shape.timeNs, schedule))));
    // Each distinct stop op once, whatever the schedule left running when time ran out.
    const stops = new Map<string, FaultPair["stop"]>();
    for (const fault of shape.faults) stops.set(fault.stop.f, fault.stop);
    parts.push(gen.nemesis(gen.concat(...[...stops.values()].map((stop) => gen.once(stop)))));
  }
  if (shape.recoveryNs > 0) parts.push(gen.sleep(shape.recoveryNs));
  if (shape.workload.finalGenerator) parts.push(gen.clients(shape.workload.finalGenerator(shape.workloadOptions)));
  return gen.phases(...parts);
}
