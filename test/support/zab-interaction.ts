// Scripted ZAB scenarios in the style of etcd-io/raft's interaction tests (and
// ./raft-interaction.ts): a script of commands, each followed by the output it must produce, so a
// protocol story reads top to bottom and a change in behaviour shows as a diff. run(script)
// executes the commands and returns the script rewritten with the actual outputs; a test compares
// it with the script itself.
//
//   > servers 3 [observers=1] [finalize=0] [bugs=skipTrunc,commitBeforeQuorum]
//                           a new ensemble: voters 1..3, then the observers; every server starts
//                           LOOKING (its first Ready holds its notifications)
//   > stabilize [ids]       process Readies and deliver messages until nothing moves (no ticks);
//                           prints state changes, syncs, truncations, snapshots and deliveries
//   > process-ready [ids]   handle one Ready per server: persist, queue messages, deliver
//   > deliver-msgs [ids]    deliver the messages queued for those servers (not newer ones)
//   > drop-msgs [ids]       lose the messages queued for those servers
//   > tick id [count]       advance a server's clock
//   > tick-all [count]      advance every live server's clock, one tick at a time
//   > advance [count]       let time pass on a working network: per tick, every live server ticks,
//                           then stabilize (prints what stabilize prints)
//   > reorder-msgs [ids]    reverse the order of the messages queued for those servers
//   > propose id text       a write
//   > partition 1 2 | 3     cut every link between the groups (replacing any earlier cut); > heal
//   > crash id / restart id lose volatile state / restart from disk
//   > compact id            snapshot the state machine, drop the log up to the delivered zxid
//   > status [ids] / log [ids] / delivered [ids]
//
// Every event goes through the same safety checker as the randomized simulation; each violation
// is printed after the command that caused it.

import { Rng } from "../../harness/rng.ts";
import { DEFAULT_TIMEOUTS, type Message, type Ready, type ServerId, type ZabBugs } from "../../clusters/zab/core/types.ts";
import { formatZxid } from "../../clusters/zab/core/zxid.ts";
import { describeMessage, describeVote, proposalKey } from "./zab-simulation/describe.ts";
import { ZabSafetyChecker } from "./zab-simulation/safety-checker.ts";
import { ZabSimNode, type ServerSettings } from "./zab-simulation/simulated-node.ts";

const BUG_NAMES = ["skipTrunc", "voteIgnoresZxid", "commitBeforeQuorum"] as const;

export class ZabInteractionEnv {
  private nodes: ZabSimNode[] = [];
  private checker = new ZabSafetyChecker("record");
  private reportedViolations = 0;
  /** Messages sent and not yet delivered, in send order. */
  private queue: Message[] = [];
  private blocked = new Set<string>();
  /** Every server's delivered proposals, for `delivered` (the state machine keeps only a digest). */
  private deliveries = new Map<ServerId, string[]>();

  run(script: string): string {
    const out: string[] = [];
    for (const line of script.split("\n")) {
      const trimmed = line.trim();
      if (trimmed.startsWith(">")) {
        out.push(trimmed);
        out.push(...this.execute(trimmed.slice(1).trim()));
      } else if (trimmed === "" || trimmed.startsWith("#")) {
        out.push(trimmed);
      }
      // Anything else is expected output, replaced by what the command actually printed.
    }
    return out.join("\n");
  }

  private execute(command: string): string[] {
    const [name, ...args] = command.split(/\s+/);
    const out = this.dispatch(name, args);
    const violations = this.checker.violations;
    for (; this.reportedViolations < violations.length; this.reportedViolations++) out.push(`VIOLATION ${violations[this.reportedViolations].message}`);
    return out;
  }

  private dispatch(name: string, args: string[]): string[] {
    switch (name) {
      case "servers":
        return this.createServers(args);
      case "tick": {
        const node = this.live(Number(args[0]));
        const count = args[1] === undefined ? 1 : Number(args[1]);
        for (let i = 0; i < count; i++) node.tick();
        return [];
      }
      case "tick-all": {
        const count = args[0] === undefined ? 1 : Number(args[0]);
        for (let i = 0; i < count; i++) for (const node of this.nodes) if (node.alive) node.tick();
        return [];
      }
      case "advance": {
        const count = args[0] === undefined ? 1 : Number(args[0]);
        const out: string[] = [];
        for (let i = 0; i < count; i++) {
          for (const node of this.nodes) if (node.alive) node.tick();
          out.push(...this.stabilize(this.ids([])));
        }
        return out;
      }
      case "reorder-msgs": {
        const targets = new Set(this.ids(args));
        const reversed = this.queue.filter((message) => targets.has(message.to)).reverse();
        this.queue = this.queue.map((message) => (targets.has(message.to) ? (reversed.shift() as Message) : message));
        return [];
      }
      case "propose": {
        const node = this.live(Number(args[0]));
        const outcome = node.propose(args.slice(1).join(" "));
        return [outcome.ok ? `zxid ${formatZxid(outcome.position)}` : `refused: ${outcome.refusal}`];
      }
      case "stabilize":
        return this.stabilize(this.ids(args));
      case "process-ready": {
        const out: string[] = [];
        for (const id of this.ids(args)) out.push(...this.processReady(this.node(id), true).lines);
        return out;
      }
      case "deliver-msgs":
        return this.deliver(this.ids(args), true);
      case "drop-msgs": {
        const targets = new Set(this.ids(args));
        const dropped = this.queue.filter((message) => targets.has(message.to));
        this.queue = this.queue.filter((message) => !targets.has(message.to));
        return dropped.map((message) => `dropped ${describeMessage(message)}`);
      }
      case "partition": {
        const groups = args.join(" ").split("|").map((group) => group.trim().split(/\s+/).map(Number));
        this.blocked.clear();
        for (let a = 0; a < groups.length; a++) {
          for (let b = 0; b < groups.length; b++) {
            if (a === b) continue;
            for (const from of groups[a]) for (const to of groups[b]) this.blocked.add(`${from}>${to}`);
          }
        }
        return [];
      }
      case "heal":
        this.blocked.clear();
        return [];
      case "crash": {
        const node = this.node(Number(args[0]));
        node.crash();
        return [];
      }
      case "restart": {
        const node = this.node(Number(args[0]));
        node.restart();
        // The state machine is the snapshot's again: deliveries restart from there.
        const snapshot = node.disk.snapshot;
        this.deliveries.set(node.id, snapshot === undefined ? [] : [`(snapshot ${formatZxid(snapshot.zxid)})`]);
        return [];
      }
      case "compact": {
        const node = this.live(Number(args[0]));
        const snapshot = node.snapshot();
        return [`snapshot at ${formatZxid(snapshot.zxid)}`];
      }
      case "status":
        return this.ids(args, true).map((id) => this.describeStatus(this.node(id)));
      case "log":
        return this.ids(args, true).map((id) => this.describeLog(this.node(id)));
      case "delivered":
        return this.ids(args, true).map((id) => `${id}: ${(this.deliveries.get(id) ?? []).join(", ") || "nothing"}`);
      default:
        throw new Error(`unknown command ${name}`);
    }
  }

  private createServers(args: string[]): string[] {
    const voterCount = Number(args[0]);
    const options = new Map(args.slice(1).map((arg) => arg.split("=") as [string, string]));
    const observerCount = Number(options.get("observers") ?? 0);
    const bugs: ZabBugs = {};
    for (const bug of (options.get("bugs") ?? "").split(",").filter(Boolean)) {
      if (!(BUG_NAMES as readonly string[]).includes(bug)) throw new Error(`unknown bug ${bug}`);
      bugs[bug as (typeof BUG_NAMES)[number]] = true;
    }
    const servers = Array.from({ length: voterCount + observerCount }, (_, i) => i + 1);
    const settings: ServerSettings = {
      ...DEFAULT_TIMEOUTS,
      voters: servers.slice(0, voterCount),
      observers: servers.slice(voterCount),
      finalizeTicks: Number(options.get("finalize") ?? 0),
      bugs,
    };
    // A new ensemble: nothing of the previous one carries over.
    this.checker = new ZabSafetyChecker("record");
    this.reportedViolations = 0;
    this.queue = [];
    this.blocked = new Set();
    this.deliveries = new Map();
    this.nodes = servers.map((id) => new ZabSimNode(id, settings, new Rng(id), this.checker));
    return [];
  }

  private stabilize(ids: ServerId[]): string[] {
    const out: string[] = [];
    const members = new Set(ids);
    for (let round = 0; round < 1000; round++) {
      let moved = false;
      for (const id of ids) {
        const node = this.node(id);
        if (!node.alive) continue;
        const result = this.processReady(node, false);
        moved = moved || result.processed;
        out.push(...result.lines);
      }
      if (this.queue.some((message) => members.has(message.to) && members.has(message.from))) {
        out.push(...this.deliver(ids, false, ids));
        moved = true;
      }
      if (!moved) return out;
    }
    throw new Error("stabilize did not settle in 1000 rounds");
  }

  /** One Ready through the shell. `verbose` prints everything it persists and delivers; otherwise
   *  state changes, truncations, snapshots and deliveries only. */
  private processReady(node: ZabSimNode, verbose: boolean): { processed: boolean; lines: string[] } {
    const ready = node.takeReady();
    if (ready === undefined) return { processed: false, lines: [] };
    const lines = describeReadyEvents(node, ready, verbose);
    // A snapshot replaces the state machine before the Ready's deliveries.
    const delivered = ready.snapshot === undefined ? (this.deliveries.get(node.id) ?? []) : [`(snapshot ${formatZxid(ready.snapshot.zxid)})`];
    for (const proposal of ready.committed) delivered.push(proposalKey(proposal));
    this.deliveries.set(node.id, delivered);
    for (const message of node.completeReady()) {
      // A message sent into a cut link is lost at once; one in flight when the cut happens is
      // lost when it would arrive (deliver).
      if (!this.blocked.has(`${message.from}>${message.to}`)) this.queue.push(message);
    }
    return { processed: true, lines };
  }

  /** Delivers the messages queued now for `targets` (optionally only from `sources`). */
  private deliver(targets: ServerId[], verbose: boolean, sources?: ServerId[]): string[] {
    const targetSet = new Set(targets);
    const sourceSet = sources === undefined ? undefined : new Set(sources);
    const selected = (message: Message) => targetSet.has(message.to) && (sourceSet === undefined || sourceSet.has(message.from));
    const batch = this.queue.filter(selected);
    this.queue = this.queue.filter((message) => !selected(message));
    const out: string[] = [];
    for (const message of batch) {
      const node = this.node(message.to);
      if (this.blocked.has(`${message.from}>${message.to}`) || !node.alive) {
        if (verbose) out.push(`dropped ${describeMessage(message)}`);
        continue;
      }
      if (verbose || message.type === "sync") out.push(describeMessage(message));
      node.receive(message);
      node.observe();
    }
    return out;
  }

  private describeStatus(node: ZabSimNode): string {
    const core = node.core;
    if (core === undefined) {
      const { epochs, proposals, snapshot } = node.disk;
      return `${node.id}: down (disk: accepted=${epochs.acceptedEpoch} current=${epochs.currentEpoch} logged=${proposals.length} snapshot=${snapshot === undefined ? "none" : formatZxid(snapshot.zxid)})`;
    }
    const status = core.status();
    const role = status.state === "looking" ? "looking" : status.state === "leading" ? `leading (${status.phase})` : `${status.state} ${status.leader} (${status.phase})`;
    return `${node.id}: ${role} round=${status.round} vote=${describeVote(status.vote)} accepted=${status.acceptedEpoch} current=${status.currentEpoch} last=${formatZxid(status.lastZxid)} committed=${formatZxid(status.committed)} delivered=${formatZxid(node.stateMachine.lastZxid)}`;
  }

  private describeLog(node: ZabSimNode): string {
    const core = node.core;
    if (core === undefined) return `${node.id}: down`;
    const status = core.status();
    const parts: string[] = [];
    if (status.snapshotZxid > 0n) parts.push(`snapshot ${formatZxid(status.snapshotZxid)}`);
    parts.push(...core.proposals().map(proposalKey));
    return `${node.id}: ${parts.length === 0 ? "empty" : parts.join(", ")} (committed ${formatZxid(status.committed)})`;
  }

  private ids(args: string[], all = false): ServerId[] {
    const given = args.map(Number);
    const ids = given.length > 0 ? given : this.nodes.map((node) => node.id);
    return all ? ids : ids.filter((id) => this.node(id).alive);
  }

  private node(id: ServerId): ZabSimNode {
    const node = this.nodes[id - 1];
    if (node === undefined) throw new Error(`no server ${id} (start the script with "servers N")`);
    return node;
  }

  private live(id: ServerId): ZabSimNode {
    const node = this.node(id);
    if (!node.alive) throw new Error(`server ${id} is down`);
    return node;
  }
}

function describeReadyEvents(node: ZabSimNode, ready: Ready, verbose: boolean): string[] {
  const id = node.id;
  const out: string[] = [];
  if (ready.softState !== undefined) {
    const { state, leader, phase } = ready.softState;
    if (state === "looking") out.push(`${id} is looking`);
    else if (state === "leading") out.push(`${id} is leading (${phase})`);
    else out.push(`${id} is ${state} ${leader} (${phase})`);
  }
  if (ready.snapshot !== undefined) out.push(`${id} installs snapshot ${formatZxid(ready.snapshot.zxid)}`);
  if (ready.truncateTo !== undefined) out.push(`${id} truncates its log after ${formatZxid(ready.truncateTo)}`);
  if (verbose) {
    if (ready.epochs !== undefined) out.push(`${id} persists acceptedEpoch=${ready.epochs.acceptedEpoch} currentEpoch=${ready.epochs.currentEpoch}`);
    if (ready.proposals.length > 0) out.push(`${id} logs ${ready.proposals.map(proposalKey).join(", ")}`);
  }
  if (ready.committed.length > 0) out.push(`${id} delivers ${ready.committed.map(proposalKey).join(", ")}`);
  return out;
}
