// Raft's Figure 8, staged from what the nodes report (reactive mode figure-8). Every step waits for
// an event — an election, an append, a commit — and strikes within a millisecond of it, on links
// slowed by 30–50 ms so that a strike lands between a leader's sends and their arrival:
//
//   1. A is elected (term t). The moment a follower acknowledges A's no-op (so the others know A
//      leads and send their clients to it), cut A off: the acknowledgement, on the wire, never
//      reaches A. The clients still get their writes appended on A (E, entries of term t on A
//      alone) until A steps down and the others stop redirecting to it.
//   2. B is elected by the others (term t' > t): cut B off at once too. B's no-op (term t') stays
//      on B alone, at the index where A holds E. Let A back.
//   3. A wins again (term T, with the third node's vote: its log is ahead of it). The moment the
//      third node acknowledges to A the last entry of E, it stops hearing A (one direction only:
//      frames on the wire are lost, its acknowledgement still reaches A), so A's term-T no-op,
//      which follows E, never arrives. The moment A's commit index reaches the end of E, so that
//      A has answered every client whose write is in E, cut A off entirely. Let B back.
//   4. B wins (term T + 1: its last term t' beats the third node's t). The links are made healthy
//      so that B's leadership holds; once B has committed its own term's entry (or after a few
//      seconds), A is let back.
//   5. Leadership tours every node, each leading a moment, so that every node's state machine
//      serves reads. Then the links are slowed again and the scenario starts over.
//
// A correct Raft commits nothing in step 3 before its own no-op reaches a majority (§5.4.2), which
// the held link prevents: A stands still until the scenario starts over, and B never wins over
// committed entries. A leader that counts replicas of earlier-term entries (--bug commit-old-term)
// commits and applies E in step 3 and answers E's clients OK (our node keeps a write pending across
// a change of leader, clusters/raft/node.ts). Then B's log and A's stand against each other with
// different entries committed at the same indices, and neither replaces the other: the third node
// learned from A a commit index past the point where B's log parts from A's, and at or below its
// commit index a follower takes a leader's append as matching without comparing (etcd's shortcut,
// right in a correct Raft), so B counts the third node as holding B's own entries up to there and
// commits them too, while its appends past that point are refused. The nodes log it as
// "SAFETY LOST: leader … holds an entry of term … at index …, where this node committed one of
// term …". Reads served by B's state machine lack E, reads served by A's lack what B committed in
// its place, and the final reads lack one or the other: acknowledged adds are lost.
// A step that does not happen within a few seconds (the wrong node won) starts the scenario over.
//
// The hold must land between the third node's acknowledgement of E's last entry and the arrival of
// A's no-op right behind it. Our Raft with one entry per message and one append in flight
// (--opt maxEntriesPerMessage=1 --opt maxInflight=1) sends the no-op only once that
// acknowledgement reached A, a round trip of the slowed links after the hold.

import { performance } from "node:perf_hooks";
import type { NodeEvent } from "../clusters/system.ts";
import type { NemesisContext } from "./nemesis.ts";

type Step =
  | { name: "elect-a"; since: number }
  | { name: "a-heard"; a: string; termA: number; since: number }
  | { name: "cut-b"; a: string; termA: number; noopA: number; since: number }
  | { name: "a-leads"; a: string; b: string; termA: number; noopA: number; lastA: number; since: number; held?: { node: string; since: number } }
  | { name: "b-leads"; a: string; b: string; since: number }
  | { name: "b-commits"; a: string; b: string; term: number; since: number }
  | { name: "tour"; led: Set<string>; since: number };

/** What the scenario asks of the nemesis around it. */
export interface ScenarioActions {
  isolate(node: string, why: string): Promise<void>;
  /** Cuts one direction only: `to` stops hearing `from` (frames in flight are lost), while `from`
   *  still hears `to`. Lifted by releaseAll. */
  holdLink(from: string, to: string, why: string): Promise<void>;
  release(node: string): Promise<void>;
  releaseAll(): Promise<void>;
  /** Slows (and thins) every link, or makes them healthy again. */
  slowLinks(on: boolean): Promise<void>;
  leader(): Promise<string | undefined>;
  log(line: string): void;
}

const STEP_TIMEOUT_MS = 8000;
/** Once the third node stops hearing A, a buggy A commits E within a round trip; a correct one
 *  never does, and the cluster stands still (A keeps its quorum through the third node's
 *  acknowledgements, and the third node cannot win against A's newer log) until the scenario
 *  starts over, so there is no point waiting a whole step for it. */
const HELD_TIMEOUT_MS = 2500;
/** How long B gets to commit an entry of its own term before the tour starts anyway. With the bug
 *  it often never can: the third node learned from A a commit index past the point where B's log
 *  parts from A's, and below its commit index a follower acknowledges any leader's append without
 *  comparing logs (etcd's shortcut, right in a correct Raft), so B counts the third node as holding
 *  B's own entries up to there and commits them (answering their clients) while its appends past
 *  that point are refused: neither log can replace the other on the third node. */
const B_COMMIT_TIMEOUT_MS = 3000;
/** How long each node leads during the tour before it is cut off for the next. */
const TOUR_LEAD_MS = 500;
/** With no election in this long, the scenario provokes one by cutting the leader off briefly. */
const KICK_AFTER_MS = 1000;
const KICK_MS = 400;

export class Figure8Scenario {
  private step: Step = { name: "elect-a", since: performance.now() };
  /** Runs of the scenario that reached each step, for the op's report. */
  readonly reached: Record<string, number> = { "elect-a": 0, "a-heard": 0, "cut-b": 0, "a-leads": 0, "b-leads": 0, "b-commits": 0, tour: 0 };
  private readonly timer: NodeJS.Timeout;
  private busy = false;
  /** Index of the no-op each node appended when it last became leader, by node and term. */
  private readonly noops = new Map<string, { term: number; index: number }>();
  /** The last index each node appended as leader, by node and term. */
  private readonly lastAppended = new Map<string, number>();

  constructor(
    private readonly ctx: NemesisContext,
    private readonly actions: ScenarioActions,
  ) {
    this.reached["elect-a"]++;
    this.timer = setInterval(() => void this.tick(), 100);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Hears one event; acts at once when it completes a step. */
  hear(event: NodeEvent): void {
    if (event.kind === "appended" && !this.noops.has(`${event.node}:${event.term}`) && event.index !== undefined) {
      // A leader's first append of its term is its no-op.
      this.noops.set(`${event.node}:${event.term}`, { term: event.term, index: event.index });
    }
    if (event.kind === "appended" && event.index !== undefined) this.lastAppended.set(`${event.node}:${event.term}`, event.index);
    void this.act(event);
  }

  private go(step: Step): void {
    this.step = step;
    this.reached[step.name]++;
    this.actions.log(`figure-8: ${describe(step)}`);
  }

  private async act(event: NodeEvent): Promise<void> {
    const step = this.step;
    const now = performance.now();
    // A may have appended more of E after B's election, before it stepped down.
    if (step.name === "a-leads") step.lastA = Math.max(step.lastA, this.lastAppended.get(`${step.a}:${step.termA}`) ?? 0);
    if ((step.name === "elect-a" || step.name === "a-heard") && event.kind === "elected") {
      this.go({ name: "a-heard", a: event.node, termA: event.term, since: now });
    } else if (step.name === "a-heard" && event.kind === "acknowledged" && event.peer === step.a && event.term === step.termA) {
      this.go({ name: "cut-b", a: step.a, termA: step.termA, noopA: Number.POSITIVE_INFINITY, since: now });
      await this.actions.isolate(step.a, `A: elected in term ${step.termA}, ${event.node} acknowledged ${event.index ?? "?"} to it`);
    } else if (step.name === "cut-b" && event.kind === "elected" && event.node !== step.a && event.term > step.termA) {
      const noopA = this.noops.get(`${step.a}:${step.termA}`)?.index;
      await this.actions.isolate(event.node, `B: elected in term ${event.term}`);
      const lastA = this.lastAppended.get(`${step.a}:${step.termA}`) ?? 0;
      // Two client entries at least. The third node learns A's commit index from the append that
      // carries the next entry, so in step 3 it ends up with every entry of E but the last
      // committed. B's log parts from A's at A's no-op or right after it; with a single client
      // entry in E the third node's commit index stops at that no-op, B's appends past it are
      // refused, and B commits nothing in E's place: A's acknowledged write stands.
      if (noopA === undefined || lastA < noopA + 2) {
        this.actions.log(`figure-8: A (${step.a}) appended ${noopA === undefined ? "no" : Math.max(0, lastA - noopA)} client entr${lastA - (noopA ?? 0) === 1 ? "y" : "ies"} in term ${step.termA} while cut off, fewer than 2; starting over`);
        await this.restart();
        return;
      }
      this.go({ name: "a-leads", a: step.a, b: event.node, termA: step.termA, noopA, lastA, since: now });
      await this.actions.release(step.a);
    } else if (
      step.name === "a-leads" &&
      event.kind === "acknowledged" &&
      event.peer === step.a &&
      event.node !== step.b &&
      event.term > step.termA &&
      !step.held &&
      (event.index ?? 0) >= step.lastA
    ) {
      // The third node has all of E, sent by A in its new term. A's own no-op follows: from now on
      // the third node hears nothing from A (what is on the wire is lost), while its
      // acknowledgement still reaches A. A correct A cannot commit on it; a buggy one counts it
      // and commits (and acknowledges to the clients) every entry of E.
      step.held = { node: event.node, since: now };
      await this.actions.holdLink(step.a, event.node, `${event.node} acknowledged ${event.index} to A, the last of its term-${step.termA} entries (${step.noopA}..${step.lastA})`);
    } else if (step.name === "a-leads" && event.node === step.a && event.kind === "committed" && (event.index ?? 0) >= step.lastA) {
      this.go({ name: "b-leads", a: step.a, b: step.b, since: now });
      await this.actions.isolate(step.a, `A: commit index ${event.index} reached the last of its term-${step.termA} entries (${step.noopA}..${step.lastA})`);
      await this.actions.release(step.b);
    } else if (step.name === "a-leads" && event.kind === "elected" && event.node !== step.a) {
      this.actions.log(`figure-8: ${event.node}, not A (${step.a}), won term ${event.term}; starting over`);
      await this.restart();
    } else if (step.name === "b-leads" && event.kind === "elected") {
      this.actions.log(`figure-8: ${event.node} won term ${event.term}${event.node === step.b ? " (B: its log replaces A's entries)" : ", not B: A's entries stand"}`);
      if (event.node !== step.b) {
        await this.startTour(event.node);
        return;
      }
      this.go({ name: "b-commits", a: step.a, b: step.b, term: event.term, since: now });
      await this.actions.slowLinks(false);
    } else if (step.name === "b-commits" && event.kind === "committed" && event.node === step.b && event.term === step.term && event.entryTerm === step.term) {
      // B's own no-op committed: its log is the majority's. (A commit that only moves over earlier
      // entries — counted replicas, with the bug on — leaves A able to win back with its log.)
      this.actions.log(`figure-8: B (${step.b}) committed index ${event.index} in term ${step.term}; A (${step.a}) back to follow it`);
      await this.startTour(step.b);
    }
  }

  private async startTour(leader: string): Promise<void> {
    await this.actions.slowLinks(false);
    await this.actions.releaseAll();
    this.go({ name: "tour", led: new Set([leader]), since: performance.now() });
  }

  /** Time-driven parts: step timeouts, the tour, and kicking a stable cluster into an election. */
  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const step = this.step;
      const waited = performance.now() - step.since;
      if (step.name === "tour") {
        if (step.led.size >= this.ctx.nodes.length || waited > STEP_TIMEOUT_MS * 2) {
          await this.restart();
          return;
        }
        const leader = await this.actions.leader();
        if (leader && !step.led.has(leader)) step.led.add(leader);
        if (leader && waited > TOUR_LEAD_MS * step.led.size) {
          // The next node's turn: cut this one off for a moment.
          await this.actions.isolate(leader, "tour: next node's turn");
          setTimeout(() => void this.actions.release(leader), KICK_MS);
        }
      } else if (step.name === "elect-a") {
        if (waited > KICK_AFTER_MS) {
          const leader = await this.actions.leader();
          step.since = performance.now();
          if (leader) {
            await this.actions.isolate(leader, "kick: no election lately");
            setTimeout(() => void this.actions.release(leader), KICK_MS);
          }
        }
      } else if (step.name === "a-leads" && step.held && performance.now() - step.held.since > HELD_TIMEOUT_MS) {
        this.actions.log(`figure-8: A (${step.a}) did not commit its term-${step.termA} entries within ${HELD_TIMEOUT_MS} ms of ${step.held.node} no longer hearing it; starting over`);
        await this.restart();
      } else if (step.name === "b-commits" && waited > B_COMMIT_TIMEOUT_MS) {
        this.actions.log(`figure-8: B (${step.b}) committed no entry of its term ${step.term} within ${B_COMMIT_TIMEOUT_MS} ms; touring leadership anyway`);
        await this.startTour(step.b);
      } else if (waited > STEP_TIMEOUT_MS) {
        this.actions.log(`figure-8: step ${step.name} did not complete within ${STEP_TIMEOUT_MS} ms; starting over`);
        await this.restart();
      }
    } finally {
      this.busy = false;
    }
  }

  private async restart(): Promise<void> {
    await this.actions.releaseAll();
    await this.actions.slowLinks(true);
    this.step = { name: "elect-a", since: performance.now() };
    this.reached["elect-a"]++;
  }
}

function describe(step: Step): string {
  switch (step.name) {
    case "elect-a":
      return "waiting for an election";
    case "a-heard":
      return `A = ${step.a} elected in term ${step.termA}; waiting for a follower to acknowledge its no-op`;
    case "cut-b":
      return `A = ${step.a} cut off once its no-op of term ${step.termA} was acknowledged; waiting for another leader (B)`;
    case "a-leads":
      return `B = ${step.b} cut off at its election; A (${step.a}) back, waiting for it to lead and commit its term-${step.termA} entries ${step.noopA}..${step.lastA}`;
    case "b-leads":
      return `A (${step.a}) cut off after its commit moved; B (${step.b}) back, waiting for the next leader`;
    case "b-commits":
      return `B (${step.b}) leads term ${step.term}; links healthy, waiting for it to commit`;
    case "tour":
      return "touring leadership";
  }
}
