// The fault kinds a test spec may name (--nemesis partition,kill,pause), each with the nemesis
// that performs it and the start/stop op pairs a schedule alternates between (each kind is one
// lane of the run's schedule, and lanes overlap: harness/run/run-shape.ts). An entry listed twice
// is drawn twice as often. Leader-targeted entries are weighted up: they are what exposes
// consensus bugs. Partitions that leave some nodes behind while the leader keeps a quorum (one
// node isolated, a bridge, a majorities ring) make stale nodes that a later leader failure puts
// to the test; whole-cluster kills are what loses writes that were never made durable.
//
// A kind's modes are the distinct start values of its pairs (partition's isolate-leader, bridge …;
// kill's and pause's targets). `--nemesis partition:isolate-leader` restricts the kind's lane to
// the pairs of the modes named, so a scenario that needs one particular fault gets it every time
// instead of when the draw happens to land on it.

import type { FaultOps } from "../checkers/fault-windows.ts";
import type { Invocation } from "../harness/op.ts";
import { LINK_FAULT_FIELDS } from "../clusters/runtime/runtime.ts";
import type { RuntimeKind, System } from "../clusters/system.ts";
import { CLOCK_MODES, clockNemesis } from "./clock.ts";
import { DISK_MODES, diskNemesis } from "./disk.ts";
import { killNemesis } from "./kill.ts";
import { LINK_MODES, linkModesFor, linkNemesis } from "./link.ts";
import { MEMBER_MODES, memberNemesis } from "./member.ts";
import type { Nemesis } from "./nemesis.ts";
import { partitionNemesis } from "./partition.ts";
import { pauseNemesis } from "./pause.ts";
import { ELECTION_MODES, modeIsolates, modesFor, REACTIVE_MODES, REACTIVE_RULES, reactiveNemesis, type ReactiveMode } from "./reactive.ts";

export interface FaultPair {
  /** The name a user picks this pair by (--nemesis partition:isolate-leader): the start op's
   *  value, which tells the nemesis what to do. */
  mode: string;
  start: Omit<Invocation, "process">;
  stop: Omit<Invocation, "process">;
  /** How long the fault stays before its stop op, as a share of the nemesis interval (the healthy
   *  time before each start); the schedule's default when absent. */
  durationShare?: number;
  /** A staged fault that plays out over several elections and cannot while other faults strike
   *  around it: when a run composes more kinds than stand at once, it takes a turn of its own with
   *  the rest held off (harness/run/fault-turns.ts). */
  solo?: boolean;
}

/** Where a run would put a fault: the system (with its fault hooks) on one runtime. */
export interface FaultTarget {
  system: Pick<System, "name" | "runtimes" | "partitionsOn" | "faults" | "leader">;
  runtime: RuntimeKind;
}

/** The modes a kind can perform on a target; none, with the reason, when it cannot act there. */
export interface FaultSupport {
  modes: readonly string[];
  why?: string;
}

export interface FaultKind {
  name: string;
  description: string;
  make(): Nemesis;
  faults: FaultPair[];
  /** Part of the standard mix (partition, kill, pause), against which every bug switch's hunt is
   *  calibrated: in a run composing more kinds than run at once, its schedule stands all run and
   *  the other kinds take turns on top (harness/run/fault-turns.ts). */
  standing?: boolean;
  /** Whether a fault of this kind hits nodes one by one (its windows are per node) or the cluster
   *  as a whole (one window, replaced by the next start). */
  perNode: boolean;
  /** Storage mode the system should run with when this fault is in play. */
  storage?: "power-loss";
  /** What it can do on a target; every mode everywhere when absent. */
  support?(target: FaultTarget): FaultSupport;
}

/** Peer traffic reaches the runtime's fault point: the proxy locally (our own nodes only), the
 *  containers' firewalls on docker. */
function peerTrafficFaultable({ system, runtime }: FaultTarget): boolean {
  return (system.partitionsOn ?? system.runtimes).includes(runtime);
}

const pair = (startF: string, mode: string, stopF: string, durationShare: number): FaultPair => ({ mode, start: { f: startF, value: mode }, stop: { f: stopF, value: null }, durationShare });

// Partitions stay a full interval: a cut-off node needs time to fall behind, and a ring or bridge
// must still stand when another lane's kill or pause takes the leader away. A killed node stays
// down for its restart (seconds) on top of the wait, so kills wait least; pauses sit between.
const PARTITION_SHARE = 1;
const PAUSE_SHARE = 0.5;
const KILL_SHARE = 0.25;
const partitionPair = (mode: string) => pair("start-partition", mode, "stop-partition", PARTITION_SHARE);
const killPair = (target: string) => pair("kill", target, "start", KILL_SHARE);
const pausePair = (target: string) => pair("pause", target, "resume", PAUSE_SHARE);
// A degraded link stays as long as a partition: slow, lossy links are the weather a cluster runs in.
const LINK_SHARE = 1;
const linkPair = (mode: string) => pair("start-link", mode, "stop-link", LINK_SHARE);
// A node whose damaged disk made it refuse to start stays down about as long as a killed one.
const DISK_SHARE = 0.5;
const diskPair = (mode: string) => pair("corrupt-disk", mode, "repair-disk", DISK_SHARE);
// Skewed clocks stay a while: leases and TTLs only notice over seconds.
const CLOCK_SHARE = 1;
const clockPair = (mode: string) => pair("clock", mode, "reset-clock", CLOCK_SHARE);
// Armed half the time: each armed stretch sees a few elections (or many appends) to strike at.
const REACTIVE_SHARE = 1;
const reactivePair = (mode: ReactiveMode): FaultPair => ({ ...pair("react", mode, "stop-react", REACTIVE_SHARE), ...(REACTIVE_RULES[mode].staged ? { solo: true } : {}) });
// A removed member stays out about as long as a partition: the rest must carry on without it.
const MEMBER_SHARE = 1;
const memberPair = (mode: string) => pair("remove-member", mode, "add-member", MEMBER_SHARE);

export const faultKinds: Record<string, FaultKind> = {
  partition: {
    name: "partition",
    standing: true,
    description: "network partitions: random halves, the leader isolated, one node isolated, majorities ring, bridge",
    make: partitionNemesis,
    perNode: false,
    support: (target) =>
      peerTrafficFaultable(target)
        ? { modes: faultModes(faultKinds.partition) }
        : {
            modes: [],
            why: `system ${target.system.name} cannot be partitioned on the ${target.runtime} runtime (its nodes talk to each other directly, not through Faultline's proxy); use --runtime ${(target.system.partitionsOn ?? ["docker"])[0]} or drop partition from --nemesis`,
          },
    // Majorities ring (three times) and bridge (twice) are drawn most: under them the leader keeps
    // its quorum while some nodes fall behind yet stay within reach of a majority, so that when
    // the leader then fails (another lane's kill or pause) those nodes take part in the election.
    // In a five-node ring they are then the only nodes that can still gather a majority.
    faults: [
      partitionPair("isolate-leader"),
      partitionPair("random-halves"),
      partitionPair("isolate-one"),
      partitionPair("majorities-ring"),
      partitionPair("majorities-ring"),
      partitionPair("majorities-ring"),
      partitionPair("bridge"),
      partitionPair("bridge"),
    ],
  },
  kill: {
    name: "kill",
    standing: true,
    description: "SIGKILL the leader, one node, a minority, a majority or every node at once, then restart them (storage loses what was not fsynced)",
    make: killNemesis,
    perNode: true,
    // Jepsen's kill targets (one, minority, majority, all, primaries), with the whole-cluster kill
    // — a power cut — drawn twice as often: it is the one crash no replica survives to repair.
    faults: [
      killPair("leader"),
      killPair("random-one"),
      killPair("minority"),
      killPair("majority"),
      killPair("all"),
      killPair("all"),
    ],
    storage: "power-loss",
  },
  pause: {
    name: "pause",
    standing: true,
    description: "SIGSTOP the leader, one node or a minority, then SIGCONT",
    make: pauseNemesis,
    perNode: true,
    faults: [pausePair("leader"), pausePair("random-one"), pausePair("leader"), pausePair("minority")],
  },
  link: {
    name: "link",
    description: "degraded peer links, per directed link (all, one node's, or a random half one way): drop 30% of messages, delay 40 ms + up to 40 ms jitter, duplicate 20%, reorder 30%; on docker loss only (iptables statistic)",
    make: linkNemesis,
    perNode: false,
    faults: LINK_MODES.map(linkPair),
    support: (target) => {
      if (!peerTrafficFaultable(target)) {
        return { modes: [], why: `system ${target.system.name}'s peer traffic does not pass a fault point on the ${target.runtime} runtime (its nodes talk to each other directly, not through Faultline's proxy); use --runtime docker for loss, or drop link from --nemesis` };
      }
      const modes = linkModesFor(LINK_FAULT_FIELDS[target.runtime]);
      return { modes, why: modes.length < LINK_MODES.length ? `the ${target.runtime} runtime makes only ${modes.join(", ")} (iptables; this kernel has no netem); delay, duplicate and reorder need --runtime local` : undefined };
    },
  },
  disk: {
    name: "disk",
    description: "while a node is down, cut its WAL inside a record, flip a bit in its tail, or drop what it had not fsynced; then start it: it must cut a torn unsynced tail or refuse to start on damage to synced records (restored from a copy at the stop op)",
    make: diskNemesis,
    perNode: true,
    faults: DISK_MODES.map(diskPair),
    support: ({ system }) => (system.faults?.disk ? { modes: DISK_MODES } : { modes: [], why: `system ${system.name} does not expose its write-ahead log to the disk nemesis; only our own nodes do (System.faults.disk)` }),
  },
  clock: {
    name: "clock",
    description: "wall clocks moved per node, never the host's: offset (some nodes skewed by ±0.2–5 s), bump (one node jumps ±1–20 s), strobe (one node flips by ±0.5–5 s every 20–200 ms), reset (every clock set right at once); our nodes through a control file, real servers through libfaketime",
    make: clockNemesis,
    perNode: true,
    faults: CLOCK_MODES.map(clockPair),
    support: ({ system, runtime }) => {
      const clock = system.faults?.clock;
      if (!clock) return { modes: [], why: `system ${system.name} has no clock the nemesis can move (our nodes read a control file; real servers need libfaketime in their image, and Go binaries ignore it)` };
      return clock.runtimes.includes(runtime) ? { modes: CLOCK_MODES } : { modes: [], why: `system ${system.name}'s clocks can be moved on the ${clock.runtimes.join(", ")} runtime only` };
    },
  },
  reactive: {
    name: "reactive",
    description: `faults that strike on an observed event, not a timer: ${REACTIVE_MODES.map((mode) => `${mode} (${REACTIVE_RULES[mode].description})`).join("; ")}; from the nodes' own events, or a polled leader for systems without them (elections only)`,
    make: reactiveNemesis,
    perNode: false,
    faults: REACTIVE_MODES.map(reactivePair),
    support: (target) => {
      const { system } = target;
      const isolating = peerTrafficFaultable(target);
      const usable = (modes: readonly ReactiveMode[]) => modes.filter((mode) => isolating || !modeIsolates(mode));
      const events = system.faults?.events;
      if (events) {
        const modes = modesFor(events.kinds);
        const unheard = REACTIVE_MODES.filter((mode) => !modes.includes(mode));
        const whys = [
          ...(isolating ? [] : [`isolating needs partitions, which the ${target.runtime} runtime cannot make for ${system.name}`]),
          ...(unheard.length > 0 ? [`${system.name}'s nodes publish ${events.kinds.join(", ")} events only, and ${unheard.join(", ")} ${unheard.length === 1 ? "waits" : "wait"} for others; its reactive modes: ${modes.join(", ")}`] : []),
        ];
        return { modes: usable(modes), why: whys.length > 0 ? whys.join("; ") : undefined };
      }
      if (system.leader) return { modes: usable(ELECTION_MODES), why: `system ${system.name} publishes no events; only its elections can be watched (its leader polled)` };
      return { modes: [], why: `system ${system.name} neither publishes events nor names a leader to watch` };
    },
  },
  member: {
    name: "member",
    description: "membership changes through the system's own configuration change: one member (a random one, or the leader) taken out and its server stopped, later started again and added back; never below the system's minimum",
    make: memberNemesis,
    perNode: true,
    faults: MEMBER_MODES.map(memberPair),
    support: ({ system }) => (system.faults?.membership ? { modes: MEMBER_MODES } : { modes: [], why: `system ${system.name} cannot change its membership from the harness (System.faults.membership)` }),
  },
};

/** What `kind` can do on `target` (every mode when the kind does not say). */
export function faultSupport(kind: FaultKind, target: FaultTarget): FaultSupport {
  return kind.support?.(target) ?? { modes: faultModes(kind) };
}

/** The fault vocabulary: which op starts and which stops each kind. Everything that reads fault ops
 *  from a history (fault windows, availability, progress) takes it from here. */
export const FAULT_OPS: readonly FaultOps[] = Object.values(faultKinds).map((kind) => {
  const [first] = kind.faults;
  for (const fault of kind.faults) {
    if (fault.start.f !== first.start.f || fault.stop.f !== first.stop.f) throw new Error(`fault kind ${kind.name}: every pair must share one start op and one stop op`);
  }
  return { fault: kind.name, start: first.start.f, stop: first.stop.f, perNode: kind.perNode };
});

/** A kind's modes, each once, in catalog order. */
export function faultModes(kind: FaultKind): string[] {
  return [...new Set(kind.faults.map((fault) => fault.mode))];
}

/** The pairs a run's schedule draws from: each kind's whole catalog, or, for a kind restricted to
 *  some modes, only their pairs — with the catalog's weights among them (a mode listed three times
 *  stays three times as likely as one listed once). Kinds and modes must already be validated
 *  (harness/spec/build-spec.ts); an unknown one here is a programming error. */
export function scheduledFaults(kinds: readonly string[], modes: Readonly<Record<string, readonly string[]>>): FaultPair[] {
  return kinds.flatMap((name) => {
    const kind = faultKinds[name];
    if (!kind) throw new Error(`scheduledFaults: unknown fault kind "${name}"; known: ${Object.keys(faultKinds).join(", ")}`);
    const chosen = modes[name];
    if (chosen === undefined) return kind.faults;
    const faults = kind.faults.filter((fault) => chosen.includes(fault.mode));
    const missing = chosen.filter((mode) => !kind.faults.some((fault) => fault.mode === mode));
    if (missing.length > 0 || faults.length === 0) {
      throw new Error(`scheduledFaults: fault kind ${name} has no mode ${missing.join(", ") || "(none chosen)"}; its modes: ${faultModes(kind).join(", ")}`);
    }
    return faults;
  });
}
