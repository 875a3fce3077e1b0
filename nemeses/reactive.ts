// Faults that strike on an observed event instead of a timer: a leader killed or cut off within
// milliseconds of its election, a follower frozen right after it acknowledged, a leader crashed
// right after it appended an entry and before it committed it, a leader cut off right after its
// commit index moved, a commit participant cut off right after it prepared and before its vote
// reaches the coordinator. Timer-driven faults almost never land in those windows (a leader that
// fails within one round trip of its election is what Raft's Figure 8 needs; 3PC loses atomicity
// only when a partition falls between a preCommit and its acknowledgement), so these watch the nodes:
// the events our own nodes publish as they happen (System.faults.events), or, for a system without
// them, its leader polled every few milliseconds (elections only).
//
// The lane's start op (react) arms one mode and its stop op (stop-react) disarms it. While armed,
// each matching event fires the fault with the mode's probability, one fault at a time: the node
// is killed, isolated or paused after a short random delay and brought back after a while, and the
// next may fire only after a cool-down, so the cluster keeps making progress between strikes. The
// stop op's value lists every fault fired — the event, how many ms after it the fault landed, when
// it started and ended on the history's clock — and those are drawn on the report's timeline
// (checkers/fault-windows.ts reads `windows` from a nemesis op's value).

import { performance } from "node:perf_hooks";
import type { Completion, Invocation } from "../harness/op.ts";
import type { EventWatch, NodeEvent } from "../clusters/system.ts";
import { grudgeFromComponents } from "../harness/grudge.ts";
import type { LinkFaults } from "../clusters/runtime/runtime.ts";
import { setGrudge, unionOfGrudges } from "./grudges.ts";
import { setLinkFaultsFrom } from "./link-faults.ts";
import { Figure8Scenario } from "./figure-8.ts";
import type { Nemesis, NemesisContext } from "./nemesis.ts";

export type ReactiveMode =
  | "kill-new-leader"
  | "isolate-new-leader"
  | "pause-acked-follower"
  | "kill-leader-uncommitted"
  | "isolate-leader-on-commit"
  | "isolate-leader-early"
  | "figure-8"
  | "isolate-prepared-participant";

interface Trigger {
  on: NodeEvent["kind"];
  /** Only the first such event of the node's term (a new leader's first commit). */
  firstOfTerm?: boolean;
  /** Only events this accepts. */
  when?: (event: NodeEvent) => boolean;
  action: "kill" | "isolate" | "pause";
  /** Chance that one matching event fires the fault (events of frequent kinds fire rarely). */
  probability: number;
  /** Random wait between hearing the event and striking. */
  delayMs: [number, number];
  /** How long the node stays killed, isolated or paused. */
  durationMs: [number, number];
}

interface Mode {
  description: string;
  triggers: Trigger[];
  /** Latency laid on every link while armed, where the runtime can delay (the local proxy): on
   *  loopback a message arrives before the nemesis hears of the event that sent it, so without a
   *  propagation delay no strike could land between a new leader's first appends and their
   *  arrival. Frames still in flight when a node is cut off are lost, as on a wire. */
  latency?: LinkFaults;
  /** Staged over several elections, so other faults striking meanwhile undo it (FaultPair.solo). */
  staged?: boolean;
}

const onElection = (action: Trigger["action"], durationMs: [number, number]): Trigger => ({ on: "elected", action, probability: 0.5, delayMs: [0, 20], durationMs });
/** Longer than the strike's delay after an election, so that it lands while the appends fly. */
const WIRE_LATENCY: LinkFaults = { delayMs: 30, jitterMs: 20 };
const onFirstCommit: Trigger = { on: "committed", firstOfTerm: true, action: "isolate", probability: 0.5, delayMs: [0, 0], durationMs: [300, 1500] };
/** A participant that prepared a part that writes of another node's transaction: its yes vote is
 *  on the wire (slowed by WIRE_LATENCY) or not yet sent (the node publishes before its log is
 *  durable), so a cut now keeps it from the coordinator. Its own transactions are left alone: the
 *  coordinator is on the same side of any cut. The cut outlasts the coordinator's vote timeout
 *  (twopc's voteTimeoutMs, 1 s by default, counted from before the participant prepared), so the
 *  abort that timeout sends is lost too. */
const onPrepared: Trigger = {
  on: "prepared",
  when: (event) => event.peer !== undefined && event.peer !== event.node && event.writes === true,
  action: "isolate",
  probability: 0.5,
  delayMs: [0, 0],
  durationMs: [1200, 2500],
};

export const REACTIVE_RULES: Readonly<Record<ReactiveMode, Mode>> = {
  "kill-new-leader": { description: "SIGKILL a leader 0–20 ms after its election (half of them)", triggers: [onElection("kill", [500, 1500])] },
  "isolate-new-leader": {
    description: "cut a leader off from every node 0–20 ms after its election (half of them), links 30–50 ms slow while armed",
    triggers: [onElection("isolate", [300, 1500])],
    latency: WIRE_LATENCY,
  },
  "pause-acked-follower": {
    description: "SIGSTOP a follower right after it acknowledged entries (one acknowledgement in 50)",
    triggers: [{ on: "acknowledged", action: "pause", probability: 0.02, delayMs: [0, 0], durationMs: [200, 1000] }],
  },
  "kill-leader-uncommitted": {
    description: "SIGKILL a leader right after it appended an entry, before it commits it (one append in 50)",
    triggers: [{ on: "appended", action: "kill", probability: 0.02, delayMs: [0, 0], durationMs: [500, 1500] }],
  },
  "isolate-leader-on-commit": { description: "cut a leader off right after its first commit in its term (half of them), links 30–50 ms slow while armed", triggers: [onFirstCommit], latency: WIRE_LATENCY },
  "figure-8": {
    description:
      "Raft's Figure 8 staged from the nodes' events (nemeses/figure-8.ts): a new leader A cut off the moment a follower acknowledged its no-op, while the clients' writes land on it alone; the next leader B cut off at its election; A back and, the moment the third node acknowledged the last of A's old entries in A's new term, the third node stops hearing A (A's new no-op is lost on the wire); the moment A's commit reaches its old entries' end A is cut off again; B back to win; then leadership tours every node. Links 30–50 ms slow while armed. Our Raft with one entry per message and one in flight (--opt maxEntriesPerMessage=1 --opt maxInflight=1 --opt heartbeatTicks=20 --opt electionTicks=30; test/e2e/raft-figure-8.test.ts) sends A's new no-op only once the last old entry's acknowledgement reached A, so the cut drops it",
    triggers: [],
    // Not lossy: loss slows every step (elections, the entry-by-entry catch-up) more than it helps.
    // With one entry per message and one in flight, A's term-T no-op leaves only once the third
    // node's acknowledgement of the entry before it reached A, a round trip after the cut that
    // answers that acknowledgement; with bigger messages or more in flight the no-op rides right
    // behind the old entries and arrives with them. Measured: 35% loss reached the last step once
    // or twice a run, none 3–5.
    latency: WIRE_LATENCY,
    staged: true,
  },
  "isolate-prepared-participant": {
    description:
      "cut a commit participant off from every node right after it prepared (2PC) or pre-committed (3PC) its writes in another node's transaction, before its yes vote reaches the coordinator (half of them), for 1.2–2.5 s, links 30–50 ms slow while armed: the coordinator times out and aborts on its side; a 2PC participant holds its locks until it can ask, a 3PC one commits on its own (twopc)",
    triggers: [onPrepared],
    latency: WIRE_LATENCY,
  },
  "isolate-leader-early": {
    description: "cut a new leader off 0–20 ms after its election or right after its first commit (half of each), links 30–50 ms slow while armed: a leader that fails within a round trip of its election, which Raft's Figure 8 needs",
    triggers: [onElection("isolate", [300, 1500]), onFirstCommit],
    latency: WIRE_LATENCY,
  },
};

export const REACTIVE_MODES = Object.keys(REACTIVE_RULES) as ReactiveMode[];
/** The modes a system without events of its own can have: its leader is polled for elections. */
export const ELECTION_MODES: readonly ReactiveMode[] = ["kill-new-leader", "isolate-new-leader"];
/** A node just let go is left alone this long: it must get to work again. */
const COOL_DOWN_MS = 300;
/** At most this many nodes struck at once (two isolated leaders make Figure 8). */
const MAX_STRUCK = 2;
const POLL_MS = 20;

/** The event kinds `mode` waits for: a system that publishes none of them gives it nothing to
 *  strike at. */
export function modeNeeds(mode: ReactiveMode): NodeEvent["kind"][] {
  if (mode === "figure-8") return ["elected", "appended", "acknowledged", "committed"];
  return [...new Set(REACTIVE_RULES[mode].triggers.map((trigger) => trigger.on))];
}

/** The modes whose events a system publishing `kinds` has. */
export function modesFor(kinds: readonly NodeEvent["kind"][]): ReactiveMode[] {
  return REACTIVE_MODES.filter((mode) => modeNeeds(mode).every((kind) => kinds.includes(kind)));
}

/** Whether `mode` ever cuts links (which needs partitions on the runtime). */
export function modeIsolates(mode: ReactiveMode): boolean {
  return mode === "figure-8" || REACTIVE_RULES[mode].triggers.some((trigger) => trigger.action === "isolate");
}

interface Fired {
  mode: ReactiveMode;
  event: { kind: string; node: string; term: number; index?: number; txn?: string; peer?: string };
  action: Trigger["action"];
  node: string;
  /** Event heard → fault started (signal sent, links cut). */
  afterMs: number;
  /** Event heard → fault confirmed in place (the process gone or stopped, per the kernel). */
  confirmedMs: number;
  startNs: number;
  endNs?: number;
  note?: string;
}

/** Leaders as a poll of System.leader sees them change, as `elected` events (term: a count). */
function pollElections(ctx: NemesisContext, onEvent: (event: NodeEvent) => void): EventWatch {
  const started = performance.now();
  let last: string | undefined;
  let count = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const leader = await ctx.system.leader?.(ctx).catch(() => undefined);
      if (leader && leader !== last) onEvent({ kind: "elected", node: leader, term: ++count, receivedMs: performance.now() - started });
      last = leader;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  })();
  return {
    ready: Promise.resolve(),
    async close() {
      stopped = true;
      await loop;
    },
  };
}

/** `probability` overrides every trigger's chance to fire (tests: 1, so that the first event strikes). */
export function reactiveNemesis(options: { probability?: number } = {}): Nemesis {
  let armed: { mode: ReactiveMode; watch: EventWatch; fired: Fired[]; scenario?: Figure8Scenario } | undefined;
  /** The faults in place now, by node, and how to undo each. */
  const active = new Map<string, { fired: Fired; undo: () => Promise<void>; timer: NodeJS.Timeout }>();
  /** Nodes being struck right now (between the decision and the fault in place). */
  const striking = new Map<string, Promise<void>>();
  /** Node → when it may be struck again. */
  const coolUntil = new Map<string, number>();
  /** Node → the term of the last event of each kind heard from it (for firstOfTerm). */
  const lastTermOf = new Map<string, number>();
  /** Directed links the figure-8 scenario holds cut ("from>to": `to` cannot hear `from`). */
  const held = new Set<string>();
  const startedAt = performance.now();

  const now = (ctx: NemesisContext) => ctx.nowNs?.() ?? Math.round((performance.now() - startedAt) * 1e6);

  async function undo(ctx: NemesisContext, node: string): Promise<void> {
    const current = active.get(node);
    if (!current) return;
    active.delete(node);
    clearTimeout(current.timer);
    try {
      await current.undo();
    } catch (error) {
      current.fired.note = `undoing it failed: ${(error as Error).message}`;
      ctx.log(`reactive ${current.fired.mode}: ${current.fired.note}`);
    }
    current.fired.endNs = now(ctx);
    coolUntil.set(node, performance.now() + COOL_DOWN_MS);
  }

  /** The grudge of every isolation in place (each isolated node cut off from all others) and of
   *  every held link. */
  function isolations(ctx: NemesisContext) {
    const isolated = [...active.values()].filter((entry) => entry.fired.action === "isolate").map((entry) => entry.fired.node);
    const links = [...held].map((link) => link.split(">")).map(([from, to]) => ({ [to]: [from] }));
    const grudges = [...isolated.map((node) => grudgeFromComponents([[node], ctx.nodes.filter((other) => other !== node)])), ...links];
    return grudges.length === 0 ? undefined : unionOfGrudges(grudges);
  }

  async function strike(ctx: NemesisContext, watching: NonNullable<typeof armed>, trigger: Trigger, event: NodeEvent, heardMs: number): Promise<void> {
    const node = event.node;
    const delay = trigger.delayMs[0] + ctx.rng.int(trigger.delayMs[1] - trigger.delayMs[0] + 1);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (armed !== watching || active.has(node) || ctx.runtime.state(node) !== "running") return;
    const actingMs = performance.now();
    let undoIt: () => Promise<void>;
    const fired: Fired = {
      mode: watching.mode,
      event: {
        kind: event.kind,
        node: event.node,
        term: event.term,
        ...(event.index !== undefined ? { index: event.index } : {}),
        ...(event.txn !== undefined ? { txn: event.txn, ...(event.peer !== undefined ? { peer: event.peer } : {}) } : {}),
      },
      action: trigger.action,
      node,
      afterMs: 0,
      confirmedMs: 0,
      startNs: now(ctx),
    };
    if (trigger.action === "kill") {
      await ctx.runtime.kill(node, "SIGKILL");
      undoIt = async () => {
        if (ctx.runtime.state(node) === "stopped") await ctx.system.restartNode(ctx, node);
      };
    } else if (trigger.action === "pause") {
      await ctx.runtime.pause(node);
      undoIt = async () => {
        if (ctx.runtime.state(node) === "paused") await ctx.runtime.resume(node);
      };
    } else {
      // Registered before the cut, so that the grudge names it.
      active.set(node, { fired, undo: async () => undefined, timer: setTimeout(() => undefined, 0) });
      await setGrudge(ctx.runtime, "reactive", isolations(ctx));
      undoIt = () => setGrudge(ctx.runtime, "reactive", isolations(ctx));
    }
    fired.afterMs = Math.round((actingMs - heardMs) * 10) / 10;
    fired.confirmedMs = Math.round((performance.now() - heardMs) * 10) / 10;
    watching.fired.push(fired);
    ctx.log(`reactive ${watching.mode}: ${trigger.action} ${node} ${fired.afterMs} ms after it reported ${event.kind} (${eventDetail(fired.event)})`);
    const duration = trigger.durationMs[0] + ctx.rng.int(trigger.durationMs[1] - trigger.durationMs[0] + 1);
    active.set(node, { fired, undo: undoIt, timer: setTimeout(() => void undo(ctx, node), duration) });
  }

  /** Cuts `node` off for the scenario (until released); reported like any strike. */
  async function isolateFor(ctx: NemesisContext, node: string, why: string, heardMs: number): Promise<void> {
    const current = armed;
    if (!current || active.has(node)) return;
    const fired: Fired = { mode: current.mode, event: { kind: why, node, term: 0 }, action: "isolate", node, afterMs: 0, confirmedMs: 0, startNs: now(ctx) };
    active.set(node, { fired, undo: () => setGrudge(ctx.runtime, "reactive", isolations(ctx)), timer: setTimeout(() => undefined, 0) });
    const actingMs = performance.now();
    await setGrudge(ctx.runtime, "reactive", isolations(ctx));
    fired.afterMs = Math.round((actingMs - heardMs) * 10) / 10;
    fired.confirmedMs = Math.round((performance.now() - heardMs) * 10) / 10;
    current.fired.push(fired);
    ctx.log(`reactive ${current.mode}: isolate ${node} ${fired.afterMs} ms after the event (${why})`);
  }

  function hear(ctx: NemesisContext, event: NodeEvent): void {
    const current = armed;
    if (!current) return;
    if (current.scenario) {
      current.scenario.hear(event);
      return;
    }
    const key = `${event.node}:${event.kind}`;
    const firstOfTerm = lastTermOf.get(key) !== event.term;
    lastTermOf.set(key, event.term);
    const node = event.node;
    if (active.has(node) || striking.has(node) || active.size + striking.size >= MAX_STRUCK || performance.now() < (coolUntil.get(node) ?? 0)) return;
    const trigger = REACTIVE_RULES[current.mode].triggers.find((candidate) => candidate.on === event.kind && (!candidate.firstOfTerm || firstOfTerm) && (!candidate.when || candidate.when(event)));
    if (!trigger || !ctx.rng.bool(options.probability ?? trigger.probability)) return;
    const heardMs = performance.now();
    const strikeDone = strike(ctx, current, trigger, event, heardMs)
      .catch((error: Error) => ctx.log(`reactive ${current.mode}: striking ${node} failed: ${error.message}`))
      .finally(() => striking.delete(node));
    striking.set(node, strikeDone);
  }

  const everyLink = (ctx: NemesisContext) => ctx.nodes.flatMap((from) => ctx.nodes.filter((to) => to !== from).map((to) => ({ from, to })));

  async function disarm(ctx: NemesisContext): Promise<Fired[]> {
    const current = armed;
    armed = undefined;
    current?.scenario?.stop();
    await current?.watch.close();
    if (current && REACTIVE_RULES[current.mode].latency) await setLinkFaultsFrom(ctx.runtime, "reactive", {}, everyLink(ctx));
    // Strikes that began before the disarm land first, so that they are undone and reported.
    await Promise.all(striking.values());
    for (const node of [...active.keys()]) await undo(ctx, node);
    if (held.size > 0) {
      held.clear();
      await setGrudge(ctx.runtime, "reactive", isolations(ctx));
    }
    coolUntil.clear();
    return current?.fired ?? [];
  }

  return {
    name: "reactive",
    fs: ["react", "stop-react"],
    async invoke(ctx: NemesisContext, op: Invocation): Promise<Completion> {
      if (op.f === "stop-react") {
        const mode = armed?.mode;
        const reached = armed?.scenario?.reached;
        const fired = await disarm(ctx);
        const windows = fired.map((f) => ({ fault: "reactive", label: `${f.action} ${f.node}`, nodes: [f.node], startNs: f.startNs, endNs: f.endNs ?? now(ctx), detail: `${f.mode}: ${f.afterMs} ms after ${f.event.node} reported ${f.event.kind} (${eventDetail(f.event)})` }));
        return { type: "ok", value: { mode: mode ?? null, fired, windows, ...(reached ? { reached } : {}) } };
      }
      const mode = (op.value as ReactiveMode | null) ?? "isolate-new-leader";
      if (!REACTIVE_MODES.includes(mode)) return { type: "fail", error: `reactive nemesis: unknown mode ${String(op.value)}; modes: ${REACTIVE_MODES.join(", ")}` };
      const events = ctx.system.faults?.events;
      if (!events && !ELECTION_MODES.includes(mode)) {
        return { type: "fail", error: `reactive ${mode} needs the nodes' own events (System.faults.events), which ${ctx.system.name} does not publish; its elections can be watched: ${ELECTION_MODES.join(", ")}` };
      }
      const unpublished = events ? modeNeeds(mode).filter((kind) => !events.kinds.includes(kind)) : [];
      if (events && unpublished.length > 0) {
        return { type: "fail", error: `reactive ${mode} waits for ${unpublished.join(", ")} events, which ${ctx.system.name}'s nodes do not publish (they publish ${events.kinds.join(", ")}); its modes: ${modesFor(events.kinds).join(", ")}` };
      }
      // One mode armed at a time: a new arm replaces the old.
      const carried = armed ? await disarm(ctx) : [];
      const onEvent = (event: NodeEvent) => hear(ctx, event);
      const latency = REACTIVE_RULES[mode].latency;
      const delays = latency !== undefined && ctx.runtime.linkFaultFields.includes("delayMs");
      if (delays) await setLinkFaultsFrom(ctx.runtime, "reactive", latency, everyLink(ctx));
      armed = { mode, watch: events ? events.watch(ctx, onEvent) : pollElections(ctx, onEvent), fired: [...carried] };
      if (mode === "figure-8") {
        armed.scenario = new Figure8Scenario(ctx, {
          isolate: (node, why) => isolateFor(ctx, node, why, performance.now()),
          release: (node) => undo(ctx, node),
          releaseAll: async () => {
            held.clear();
            for (const node of [...active.keys()]) await undo(ctx, node);
            await setGrudge(ctx.runtime, "reactive", isolations(ctx));
          },
          holdLink: async (from, to, why) => {
            held.add(`${from}>${to}`);
            await setGrudge(ctx.runtime, "reactive", isolations(ctx));
            ctx.log(`reactive figure-8: ${to} no longer hears ${from} (${why})`);
          },
          leader: async () => ctx.system.leader?.(ctx).catch(() => undefined),
          slowLinks: async (on) => {
            if (latency !== undefined && delays) await setLinkFaultsFrom(ctx.runtime, "reactive", on ? latency : {}, everyLink(ctx));
          },
          log: (line) => ctx.log(line),
        });
      }
      // Armed means listening: the op completes once every node that answers is subscribed.
      await armed.watch.ready;
      return {
        type: "ok",
        value: { mode, watching: events ? "the nodes' events" : `the leader, polled every ${POLL_MS} ms`, rule: REACTIVE_RULES[mode].description, ...(delays ? { latency } : {}) },
      };
    },
    async heal(ctx) {
      await disarm(ctx);
      await setGrudge(ctx.runtime, "reactive", undefined);
      if (ctx.runtime.linkFaultFields.includes("delayMs")) await setLinkFaultsFrom(ctx.runtime, "reactive", {}, everyLink(ctx));
    },
  };
}

/** What an event a fault answered was about: a transaction and its coordinator, or a term. */
function eventDetail(event: Fired["event"]): string {
  if (event.txn !== undefined) return `${event.txn}${event.peer !== undefined ? ` of coordinator ${event.peer}` : ""}`;
  return `term ${event.term}${event.index !== undefined ? `, index ${event.index}` : ""}`;
}
