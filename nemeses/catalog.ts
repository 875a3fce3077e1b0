// The fault kinds a test spec may name (--nemesis partition,kill,pause), each with the nemesis
// that performs it and the start/stop op pairs a schedule alternates between. Leader-targeted
// entries come first and appear more than once: they are what exposes consensus bugs.

import type { Invocation } from "../harness/op.ts";
import { killNemesis } from "./kill.ts";
import type { Nemesis } from "./nemesis.ts";
import { partitionNemesis } from "./partition.ts";
import { pauseNemesis } from "./pause.ts";

export interface FaultPair {
  start: Omit<Invocation, "process">;
  stop: Omit<Invocation, "process">;
}

export interface FaultKind {
  name: string;
  description: string;
  make(): Nemesis;
  faults: FaultPair[];
  /** Storage mode the system should run with when this fault is in play. */
  storage?: "power-loss";
}

const pair = (startF: string, value: unknown, stopF: string): FaultPair => ({ start: { f: startF, value }, stop: { f: stopF, value: null } });

export const faultKinds: Record<string, FaultKind> = {
  partition: {
    name: "partition",
    description: "network partitions: random halves, the leader isolated, one node isolated, majorities ring",
    make: partitionNemesis,
    faults: [
      pair("start-partition", "isolate-leader", "stop-partition"),
      pair("start-partition", "random-halves", "stop-partition"),
      pair("start-partition", "isolate-leader", "stop-partition"),
      pair("start-partition", "majorities-ring", "stop-partition"),
      pair("start-partition", "isolate-one", "stop-partition"),
    ],
  },
  kill: {
    name: "kill",
    description: "SIGKILL the leader, one node or a minority, then restart them (storage loses what was not fsynced)",
    make: killNemesis,
    faults: [pair("kill", "leader", "start"), pair("kill", "random-one", "start"), pair("kill", "leader", "start"), pair("kill", "minority", "start")],
    storage: "power-loss",
  },
  pause: {
    name: "pause",
    description: "SIGSTOP the leader or one node, then SIGCONT",
    make: pauseNemesis,
    faults: [pair("pause", "leader", "resume"), pair("pause", "random-one", "resume")],
  },
};
